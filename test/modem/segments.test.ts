/**
 * Per-segment submit results on a modem (issue 14, point 3), against the modem simulator over a
 * real pseudo-terminal: a segment the modem refuses is retried alone, the ones before it are
 * not sent again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway } from '../../src/gateway/gateway';
import { ModemSimulator } from '../../src/modem/simulator';
import { ModemTransport } from '../../src/modem/transport';
import { MemoryStore } from '../../src/store/memory';
import type { LinkStatus } from '../../src/transport/types';
import { until } from '../helpers/until';

const TO = '+447400123456';
const THREE_PARTS = `${'The quick brown fox jumps over the lazy dog. '.repeat(9)}end`;

describe('per-segment submit results (modem simulator, real pty)', function () {
  this.timeout(60_000);
  let dir: string;
  let sim: ModemSimulator;
  let gw: Gateway;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-modem-segments-'));
  });
  afterEach(async () => {
    await gw?.stop();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries only the segments after one the modem refused, with the same reference', async () => {
    sim = new ModemSimulator({ link: join(dir, 'modem0'), statusReportDelayMs: 20 });
    const { path } = await sim.start();
    const transport = new ModemTransport({ id: 'gsm', path, commandTimeoutMs: 1000, sendTimeoutMs: 3000, healthIntervalMs: 200, reopenBaseMs: 50, reopenMaxMs: 400 });
    gw = new Gateway({ store: new MemoryStore(), transports: [transport], guard: { enabled: false }, retry: { baseDelayMs: 20, maxDelayMs: 200 }, pollMs: 50 });
    const statuses: LinkStatus[] = [];
    gw.on('transport-status', ({ status }) => statuses.push(status));
    await gw.start();
    await until(() => statuses.some((s) => s.state === 'connected'), 10_000, 'the modem to be connected');
    // Once the first segment is in, the next AT+CMGS (the second segment) is refused: network congestion, temporary.
    sim.once('submit', () => sim.faults.failNext(/^AT\+CMGS/, '+CMS ERROR: 42', 1));
    const message = await gw.send({ to: TO, text: THREE_PARTS });
    const done = await gw.waitFor(message.id, 'final', 20_000);
    assert.equal(done.state, 'DELIVERED');
    const parts = sim.submits.map((s) => s.header?.concat);
    console.log(`      modem: ${sim.submits.length} segments accepted, parts ${JSON.stringify(parts.map((p) => p?.sequence))}`);
    assert.deepEqual(parts.map((p) => p?.sequence), [1, 2, 3], 'each segment accepted once, in order');
    assert.equal(new Set(parts.map((p) => p?.reference)).size, 1, 'one concatenation reference');
    assert.equal(done.attempts, 2);
  });
});
