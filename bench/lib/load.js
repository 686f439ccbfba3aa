'use strict';

/**
 * Sends `count` messages through `gateway`, keeping `inFlight` sends going at once (each its own
 * send, none waiting for another's); `sent(message, calledAt)` hears of each once it is accepted.
 */
async function sendMessages(gateway, count, inFlight, sent = () => {}) {
  let next = 0;
  const producer = async () => {
    while (next < count) {
      const i = next++;
      const calledAt = performance.now();
      const message = await gateway.send({ to: `+4474001${String(i % 100_000).padStart(5, '0')}`, text: `bench message ${i}` });
      sent(message, calledAt);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, producer));
}

/** As `smsgate send --csv` keeps them, and as a busy flow does. */
const SENDS_IN_FLIGHT = 64;

const megabytes = (bytes) => Math.round(bytes / 1048576);

module.exports = { SENDS_IN_FLIGHT, sendMessages, megabytes };
