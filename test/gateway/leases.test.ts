/**
 * Claims and leases that hold (issue 14, point 1), over real TCP against the SMSC simulator:
 * every submit_sm the simulator received is counted, duplicates included.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway, type GatewayOptions } from '../../src/gateway/gateway';
import { SmscSimulator, type SmscSimulatorOptions } from '../../src/smpp/simulator';
import { SmppTransport, type SmppTransportOptions } from '../../src/smpp/transport';
import { MemoryStore } from '../../src/store/memory';
import { SqliteStore } from '../../src/store/sqlite';
import type { MessageRecord, Store } from '../../src/store/types';
import { until } from '../helpers/until';

const TO = '+447400123456';

/** How often each text reached the SMSC: submits, distinct texts, and the texts sent more than once. */
export function countSubmits(sim: SmscSimulator): { submits: number; distinct: number; duplicates: number } {
  const texts = sim.submits.map((s) => s.text);
  const distinct = new Set(texts).size;
  return { submits: texts.length, distinct, duplicates: texts.length - distinct };
}

describe('claims and leases that hold (SMSC simulator, real TCP)', function () {
  this.timeout(120_000);
  const gateways: Gateway[] = [];
  const simulators: SmscSimulator[] = [];
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-leases-'));
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.stop()));
    await Promise.all(simulators.splice(0).map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function simulator(options: SmscSimulatorOptions = {}): Promise<SmscSimulator & { port: number }> {
    const sim = new SmscSimulator({ port: 0, systemId: 'test', password: 'secret', dlrDelayMs: 5, ...options });
    const { port } = await sim.start();
    simulators.push(sim);
    return Object.assign(sim, { port });
  }

  async function gateway(
    sim: { port: number },
    transport: Partial<SmppTransportOptions>,
    options: Partial<GatewayOptions> = {},
  ): Promise<Gateway> {
    const link = new SmppTransport({
      id: 'smsc',
      host: '127.0.0.1',
      port: sim.port,
      systemId: 'test',
      password: 'secret',
      reconnectBaseMs: 50,
      reconnectMaxMs: 400,
      ...transport,
    });
    const gw = new Gateway({
      store: new MemoryStore(),
      transports: [link],
      guard: { enabled: false },
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      pollMs: 50,
      ...options,
    });
    let connected = false;
    gw.on('transport-status', ({ status }) => (connected ||= status.state === 'connected'));
    gateways.push(gw);
    await gw.start();
    await until(() => connected, 5000, 'the bind');
    return gw;
  }

  async function sendAll(gw: Gateway, count: number): Promise<MessageRecord[]> {
    const accepted: MessageRecord[] = [];
    for (let i = 0; i < count; i++) accepted.push(await gw.send({ to: TO, text: `message ${i}` }));
    return accepted;
  }

  it('sends 100 messages behind maxPerSecond 2, with a lease far shorter than the backlog, exactly once each', async () => {
    const sim = await simulator();
    const gw = await gateway(sim, { maxPerSecond: 2 }, { leaseMs: 2000 });
    const accepted = await sendAll(gw, 100);
    const started = Date.now();
    await Promise.all(accepted.map((m) => gw.waitFor(m.id, 'submitted', 90_000)));
    // Stopping lets every submit handed to the transport go out first: a second copy of a
    // message, queued behind the rate limit, would reach the SMSC now.
    await gw.stop();
    const counted = countSubmits(sim);
    console.log(`      maxPerSecond 2, lease 2 s: ${JSON.stringify(counted)} in ${Date.now() - started} ms`);
    assert.deepEqual(counted, { submits: 100, distinct: 100, duplicates: 0 });
  });

  for (const kind of ['memory', 'sqlite'] as const) {
    it(`sends a backlog through a one-at-a-time link slower than the lease, no message twice (${kind} store)`, async () => {
      // Each submit takes 150 ms at the SMSC and the window is 1, so a message waits in the
      // transport's queue longer than the 100 ms lease: only renewals keep it from a second claim.
      const sim = await simulator({ faults: { delayResponsesMs: 150 } });
      const store: Store = kind === 'memory' ? new MemoryStore() : new SqliteStore(join(dir, 'gw.db'));
      const gw = await gateway(sim, { window: 1, responseTimeoutMs: 5000 }, { store, leaseMs: 100 });
      // A second gateway on the same store claims whatever lapses.
      const other = await gateway(sim, { window: 1, responseTimeoutMs: 5000 }, {
        store: kind === 'memory' ? store : new SqliteStore(join(dir, 'gw.db')),
        leaseMs: 100,
      });
      const accepted = await sendAll(gw, 30);
      await Promise.all(accepted.map((m) => gw.waitFor(m.id, 'submitted', 60_000)));
      await Promise.all([gw.stop(), other.stop()]); // what either still had queued goes out first
      const counted = countSubmits(sim);
      console.log(`      window 1, 150 ms a submit, lease 100 ms (${kind}): ${JSON.stringify(counted)}`);
      assert.deepEqual(counted, { submits: 30, distinct: 30, duplicates: 0 });
      assert.ok(other.leaseOwner !== gw.leaseOwner);
    });
  }

  it('sends 1 000 messages through a connection drop mid-window with duplicates at most the window, counted', async () => {
    const sim = await simulator();
    sim.setFaults({ dropAfterSubmits: 500 });
    const gw = await gateway(sim, { window: 50 }, { leaseMs: 3000 });
    const accepted = await sendAll(gw, 1000);
    const done = await Promise.all(accepted.map((m) => gw.waitFor(m.id, 'submitted', 60_000)));
    assert.deepEqual(done.filter((m) => m.state === 'QUEUED' || m.state === 'FAILED').map((m) => m.id), []);
    await gw.stop();
    const counted = countSubmits(sim);
    console.log(`      1 000 through a drop after 500 submits, window 50: ${JSON.stringify(counted)}`);
    assert.equal(counted.distinct, 1000, 'every message reached the SMSC');
    assert.ok(counted.duplicates <= 50, `${counted.duplicates} duplicates, more than the window of 50`);
  });
});
