/** The submit rate limit: exact over any 1 s window, per system_id, and the throttling storm fault. */
import assert from 'node:assert/strict';
import { delay, Esme, startSimulator, stopAll, type SmppPdu } from './helpers';

const ESME_RTHROTTLED = 0x58;

/** Sends `count` submit_sm back to back without waiting for responses; resolves with them all. */
function burst(esme: Esme, count: number, label = 'm'): Promise<SmppPdu[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => esme.submit(`${label}${i}`)));
}

const statuses = (responses: SmppPdu[]) => responses.map((r) => r.command_status);

describe('SMSC simulator: throttling', () => {
  afterEach(stopAll);

  it('throttles exactly the submits beyond the limit in a burst', async () => {
    const { sim, port } = await startSimulator({ throttlePerSecond: 10 });
    const esme = await Esme.connect(port);
    await esme.bind();
    const responses = await burst(esme, 13);
    assert.deepEqual(statuses(responses), [...Array(10).fill(0), ...Array(3).fill(ESME_RTHROTTLED)]);
    assert.equal(responses[12]!.message_id, undefined, 'a throttled submit gets no message id');
    assert.deepEqual(
      sim.submits.map((s) => s.messageId === null),
      [...Array(10).fill(false), ...Array(3).fill(true)],
    );
    esme.close();
  });

  it('lets submits through again as the accepted ones leave the 1 s window', async () => {
    const { port } = await startSimulator({ throttlePerSecond: 5 });
    const esme = await Esme.connect(port);
    await esme.bind();
    const started = Date.now();
    assert.deepEqual(statuses(await burst(esme, 5, 'a')), [0, 0, 0, 0, 0]);
    await delay(500);
    assert.deepEqual(statuses(await burst(esme, 2, 'b')), [ESME_RTHROTTLED, ESME_RTHROTTLED], 'still inside the window');
    await delay(Math.max(0, started + 1200 - Date.now()));
    assert.deepEqual(statuses(await burst(esme, 6, 'c')), [0, 0, 0, 0, 0, ESME_RTHROTTLED]);
    esme.close();
  });

  it('counts each system_id separately', async () => {
    const { port } = await startSimulator({ throttlePerSecond: 2 });
    const first = await Esme.connect(port);
    const second = await Esme.connect(port);
    await first.bind('transmitter', { system_id: 'a' });
    await second.bind('transmitter', { system_id: 'b' });
    assert.deepEqual(statuses(await burst(first, 3)), [0, 0, ESME_RTHROTTLED]);
    assert.deepEqual(statuses(await burst(second, 3)), [0, 0, ESME_RTHROTTLED]);
    first.close();
    second.close();
  });

  it('throttles the next N submits whatever the rate during a throttling storm', async () => {
    const { sim, port } = await startSimulator();
    const esme = await Esme.connect(port);
    await esme.bind();
    sim.setFaults({ throttleNext: 4 });
    assert.deepEqual(statuses(await burst(esme, 6)), [ESME_RTHROTTLED, ESME_RTHROTTLED, ESME_RTHROTTLED, ESME_RTHROTTLED, 0, 0]);
    esme.close();
  });
});
