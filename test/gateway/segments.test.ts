/**
 * Per-segment submit results (issue 14, point 3), over real TCP against the SMSC simulator:
 * a retry resends only the segments not accepted yet, with the same reference and order; a
 * store write that fails after an accepted submit never resends; a submit_sm_resp after its
 * timeout is counted and used. Every submit_sm the simulator received is counted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway, type GatewayOptions } from '../../src/gateway/gateway';
import { normaliseMessageId } from '../../src/smpp/protocol';
import { SmscSimulator, type ReceivedSubmit } from '../../src/smpp/simulator';
import { SmppTransport, type SmppTransportOptions } from '../../src/smpp/transport';
import { MemoryStore } from '../../src/store/memory';
import { SqliteStore } from '../../src/store/sqlite';
import type { Store } from '../../src/store/types';
import { until } from '../helpers/until';

const TO = '+447400123456';
/** Three GSM 7-bit segments (153 septets each with a UDH). */
const THREE_PARTS = `${'The quick brown fox jumps over the lazy dog. '.repeat(9)}end`;
const ESME_RSYSERR = 0x08; // temporary

/** The accepted submit_sm per concatenation part, and how many submit_sm each part took. */
function bySegment(submits: ReceivedSubmit[]): { accepted: Map<number, ReceivedSubmit[]>; sent: Map<number, number> } {
  const accepted = new Map<number, ReceivedSubmit[]>();
  const sent = new Map<number, number>();
  for (const submit of submits) {
    const sequence = submit.concat?.sequence ?? 0;
    sent.set(sequence, (sent.get(sequence) ?? 0) + 1);
    if (submit.commandStatus === 0) accepted.set(sequence, [...(accepted.get(sequence) ?? []), submit]);
  }
  return { accepted, sent };
}

/** A store whose named method fails `times` times, then works: the seam "recording the result failed". */
function failing<T extends Store>(store: T, method: 'markSubmitted' | 'acceptSegments', times: number): T & { failures: number } {
  const state = { failures: 0 };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'failures') return state.failures;
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property === method) {
        return async (...args: unknown[]) => {
          if (state.failures < times) {
            state.failures++;
            throw new Error('disk I/O error (injected)');
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as T & { failures: number };
}

describe('per-segment submit results (SMSC simulator, real TCP)', function () {
  this.timeout(60_000);
  const gateways: Gateway[] = [];
  const simulators: SmscSimulator[] = [];
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-segments-'));
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.stop()));
    await Promise.all(simulators.splice(0).map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function simulator(): Promise<SmscSimulator & { port: number }> {
    const sim = new SmscSimulator({ port: 0, systemId: 'test', password: 'secret', dlrDelayMs: 5 });
    const { port } = await sim.start();
    simulators.push(sim);
    return Object.assign(sim, { port });
  }

  async function gateway(
    sim: { port: number },
    options: Partial<GatewayOptions> = {},
    transport: Partial<SmppTransportOptions> = {},
  ): Promise<{ gw: Gateway; link: SmppTransport; warnings: Error[] }> {
    const link = new SmppTransport({ id: 'smsc', host: '127.0.0.1', port: sim.port, systemId: 'test', password: 'secret', ...transport });
    const gw = new Gateway({
      store: new MemoryStore(),
      transports: [link],
      guard: { enabled: false },
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      pollMs: 50,
      ...options,
    });
    const warnings: Error[] = [];
    gw.on('warning', (err) => warnings.push(err));
    let connected = false;
    gw.on('transport-status', ({ status }) => (connected ||= status.state === 'connected'));
    gateways.push(gw);
    await gw.start();
    await until(() => connected, 5000, 'the bind');
    return { gw, link, warnings };
  }

  for (const kind of ['memory', 'sqlite'] as const) {
    it(`resends only the refused segment of a 3-part message, with the same reference and place (${kind} store)`, async () => {
      const sim = await simulator();
      sim.setFaults({ segment: { sequence: 2, times: 1, status: ESME_RSYSERR } });
      const store = kind === 'memory' ? new MemoryStore() : new SqliteStore(join(dir, 'gw.db'));
      const { gw } = await gateway(sim, { store });
      const message = await gw.send({ to: TO, text: THREE_PARTS });
      assert.equal(message.segments, 3);
      const done = await gw.waitFor(message.id, 'final', 20_000);
      assert.equal(done.state, 'DELIVERED', 'every segment, the resent one too, has its receipt matched');

      const { accepted, sent } = bySegment(sim.submits);
      console.log(`      submit_sm per part: ${JSON.stringify(Object.fromEntries(sent))}, accepted once each: ${[...accepted.values()].every((a) => a.length === 1)}`);
      assert.deepEqual(Object.fromEntries(sent), { 1: 1, 2: 2, 3: 1 }, 'parts 1 and 3 went once, part 2 twice (refused, then resent)');
      assert.deepEqual([...accepted.keys()].sort(), [1, 2, 3]);
      for (const list of accepted.values()) assert.equal(list.length, 1, 'exactly one accepted submit_sm per segment');
      const references = new Set(sim.submits.map((s) => s.concat?.reference));
      assert.equal(references.size, 1, 'one concatenation reference throughout');
      assert.ok(sim.submits.every((s) => s.concat?.total === 3));
      const resent = sim.submits.at(-1)!;
      assert.equal(resent.concat?.sequence, 2, 'the retry sent part 2 only, in its place');
      assert.deepEqual(
        done.providerIds,
        [1, 2, 3].map((sequence) => normaliseMessageId(accepted.get(sequence)![0]!.messageId!)),
        'the provider id of each segment is the one its accepted submit_sm got',
      );
      assert.equal(done.attempts, 2);
    });
  }

  it('never resends when the store write after an accepted submit fails; the lease holds meanwhile', async () => {
    const sim = await simulator();
    const shared = new MemoryStore();
    // markSubmitted fails five times in a row: retried with backoff for ~1.5 s, far longer than the 200 ms lease.
    const store = failing(shared, 'markSubmitted', 5);
    const { gw, warnings } = await gateway(sim, { store, leaseMs: 200 });
    const single = await gw.send({ to: TO, text: 'one part' });
    await until(() => sim.submits.length === 1, 5000, 'the first submit');
    // A second gateway on the same store would claim the message if its lease lapsed.
    const other = await gateway(sim, { store: shared, leaseMs: 200 });
    const done = await gw.waitFor(single.id, 'final', 20_000);
    assert.equal(done.state, 'DELIVERED');
    assert.equal(store.failures, 5);
    assert.equal(gw.submitCounts.recordFailures, 5);
    assert.equal(sim.submits.length, 1, 'submitted once: a failed write is no failed submit');
    assert.equal(done.attempts, 1);
    assert.ok(warnings.some((w) => /recording it failed \(attempt 5\).*not resent/.test(w.message)), 'each failed write is a warning');
    assert.deepEqual(other.warnings, []);
    console.log(`      store write failed ${store.failures}x after an accepted submit: ${sim.submits.length} submit_sm`);
  });

  it('never resends accepted segments when recording them fails, and retries only the refused one', async () => {
    const sim = await simulator();
    sim.setFaults({ segment: { sequence: 2, times: 1, status: ESME_RSYSERR } });
    const store = failing(new MemoryStore(), 'acceptSegments', 2);
    const { gw } = await gateway(sim, { store });
    const message = await gw.send({ to: TO, text: THREE_PARTS });
    const done = await gw.waitFor(message.id, 'final', 20_000);
    assert.equal(done.state, 'DELIVERED');
    assert.equal(store.failures, 2);
    const { accepted, sent } = bySegment(sim.submits);
    assert.deepEqual(Object.fromEntries(sent), { 1: 1, 2: 2, 3: 1 });
    for (const list of accepted.values()) assert.equal(list.length, 1, 'exactly one accepted submit_sm per segment');
  });

  it('records a submit_sm_resp that comes after its timeout instead of resending the segment, and counts it', async () => {
    const sim = await simulator();
    // Part 2's response comes 1.2 s late, with a 300 ms timeout; the retry waits 5 s or more, so the segment still waits for it.
    sim.setFaults({ segment: { sequence: 2, times: 1, delayMs: 1200 } });
    const { gw, link, warnings } = await gateway(sim, { retry: { baseDelayMs: 10_000, maxDelayMs: 10_000 } }, { responseTimeoutMs: 300 });
    const message = await gw.send({ to: TO, text: THREE_PARTS });
    const done = await gw.waitFor(message.id, 'final', 20_000);
    assert.equal(done.state, 'DELIVERED');
    assert.equal(sim.submits.length, 3, 'no segment was resent');
    assert.equal(link.lateResponses, 1);
    assert.deepEqual(gw.submitCounts, { lateAcceptances: 1, lateUsed: 1, recordFailures: 0 });
    assert.equal(done.providerIds[1], normaliseMessageId(bySegment(sim.submits).accepted.get(2)![0]!.messageId!));
    assert.ok(warnings.some((w) => /segment 2 of message .* accepted after its submit timed out .*recorded, it is not resent/.test(w.message)));
    console.log(`      late resp: ${sim.submits.length} submit_sm, ${JSON.stringify(gw.submitCounts)}, transport counted ${link.lateResponses}`);
  });

  it('says so when a late submit_sm_resp comes for a segment already resent, and links it for its receipt', async () => {
    const sim = await simulator();
    sim.setFaults({ segment: { sequence: 2, times: 1, delayMs: 1200 } });
    const { gw, link, warnings } = await gateway(sim, {}, { responseTimeoutMs: 300 });
    const message = await gw.send({ to: TO, text: THREE_PARTS });
    await gw.waitFor(message.id, 'final', 20_000);
    await until(() => link.lateResponses === 1, 5000, 'the late response');
    await until(() => warnings.some((w) => /resent already/.test(w.message)), 5000, 'the warning about the resent segment');
    const { accepted } = bySegment(sim.submits);
    assert.equal(accepted.get(2)?.length, 2, 'part 2 was resent after its timeout, and both were accepted');
    assert.equal(sim.submits.length, 4);
    assert.deepEqual(gw.submitCounts, { lateAcceptances: 1, lateUsed: 0, recordFailures: 0 });
    const late = normaliseMessageId(accepted.get(2)![0]!.messageId!);
    assert.deepEqual((await gw.store.findByProviderId('smsc', late)).map((l) => [l.messageId, l.segment]), [[message.id, 1]]);
  });
});
