'use strict';
/**
 * One gateway process of bench/scale.js, driven over IPC: `{store, port, window}` in argv as
 * JSON; it starts a Gateway on that store with one SMPP transport (bench credentials), says
 * `{ready}` once bound, sends `count` messages on `{go, count, offset}` (64 sends in flight, as
 * bench/smpp.js), tells `{submitted}` (every 20 ms while it moves) how many it submitted (its own or other processes'),
 * and on `{stop}` answers `{cpu, submitted}` (µs of CPU since `go`) and exits.
 */
const { DIST } = require('./dist');
const { Gateway, SmppTransport, createStore } = require(DIST);
const { SENDS_IN_FLIGHT } = require('./load');

async function main() {
  const { store, port, window } = JSON.parse(process.argv[2]);
  const transport = new SmppTransport({ id: 'smsc', host: '127.0.0.1', port, systemId: 'bench', password: 'bench', window });
  const gateway = new Gateway({ store: createStore(store), transports: [transport], guard: { enabled: false } });
  gateway.on('warning', (err) => process.stderr.write(`warning: ${err.message}\n`));
  const connected = new Promise((resolve) => gateway.on('transport-status', ({ status }) => status.state === 'connected' && resolve()));
  let submitted = 0;
  let told = 0;
  gateway.on('state', ({ previous }) => {
    if (previous === 'QUEUED') submitted++;
  });
  // Told every 20 ms when it moved: one IPC message per submit would cost more than is measured.
  setInterval(() => {
    if (submitted === told) return;
    told = submitted;
    process.send({ submitted });
  }, 20).unref();
  await gateway.start();
  await connected;
  let cpuAtGo;
  process.on('message', (message) => {
    if (message.go) {
      cpuAtGo = process.cpuUsage();
      void send(gateway, message.count, message.offset).catch((err) => {
        console.error(err);
        process.exit(1);
      });
    } else if (message.stop) {
      const cpu = process.cpuUsage(cpuAtGo);
      void gateway.stop().then(() => process.send({ cpu: cpu.user + cpu.system, submitted }, () => process.exit(0)));
    }
  });
  process.send({ ready: true });
}

/** Messages offset .. offset + count - 1, SENDS_IN_FLIGHT at once: distinct texts across processes. */
async function send(gateway, count, offset) {
  let next = 0;
  const producer = async () => {
    while (next < count) {
      const i = offset + next++;
      await gateway.send({ to: `+4474001${String(i % 100_000).padStart(5, '0')}`, text: `bench message ${i}` });
    }
  };
  await Promise.all(Array.from({ length: SENDS_IN_FLIGHT }, producer));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
