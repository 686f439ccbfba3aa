/**
 * Gateway.listen in one process: what a listener is handed, what the gateway writes for it (and
 * does not write when nobody listens), and how a listener closes and comes back. Across
 * processes: events-processes.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway, type GatewayOptions } from '../../src/gateway/gateway';
import type { GatewayEvent } from '../../src/gateway/events';
import { isSmsGateError } from '../../src/errors';
import { MemoryStore } from '../../src/store/memory';
import { SqliteStore } from '../../src/store/sqlite';
import type { FeedPayload } from '../../src/store/types';
import { LoopbackTransport } from '../../src/transport/loopback';
import { until } from '../helpers/until';

/** A memory store that keeps what the gateway appends to the feed, call by call. */
class AppendLog extends MemoryStore {
  readonly appends: FeedPayload[][] = [];

  override appendEvents(...args: Parameters<MemoryStore['appendEvents']>): ReturnType<MemoryStore['appendEvents']> {
    this.appends.push([...args[0]]);
    return super.appendEvents(...args);
  }
}

describe('Gateway.listen (one process)', () => {
  const running: Gateway[] = [];
  let dir: string;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'smsgate-listen-'))));
  afterEach(async () => {
    for (const gateway of running.splice(0)) await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startGateway(options: Partial<GatewayOptions> = {}): Promise<{ gateway: Gateway; loop: LoopbackTransport }> {
    const loop = new LoopbackTransport({ id: 'loop', dlrDelayMs: 0 });
    const gateway = new Gateway({ store: new MemoryStore(), transports: [loop], guard: { enabled: false }, pollMs: 20, ...options });
    running.push(gateway);
    await gateway.start();
    return { gateway, loop };
  }

  it('hands each listener the events of its kinds once: reports with their message, inbound SMS, state changes', async () => {
    // A poll a minute apart: what the listener gets comes from the read right after the append.
    const { gateway, loop } = await startGateway({ eventPollMs: 60_000 });
    const flow: GatewayEvent[] = [];
    const states: GatewayEvent[] = [];
    await gateway.listen('flow', ['report', 'inbound'], (event) => void flow.push(event)).ready;
    await gateway.listen('states', ['state'], (event) => void states.push(event)).ready;
    for (let i = 0; i < 5; i++) await gateway.send({ to: '+447400123456', text: `hello ${i}`, correlation: `order-${i}` });
    await loop.receive({ from: '+447400123457', to: '60000', text: 'STATUS' });
    await until(() => flow.length === 6 && states.length === 15, 10_000, 'five reports, one SMS, three states per message');

    const reports = flow.filter((e) => e.kind === 'report');
    assert.deepEqual(reports.map((e) => e.kind === 'report' && [e.message?.correlation, e.message?.state, e.report.state]).sort(), [
      ['order-0', 'DELIVERED', 'DELIVERED'],
      ['order-1', 'DELIVERED', 'DELIVERED'],
      ['order-2', 'DELIVERED', 'DELIVERED'],
      ['order-3', 'DELIVERED', 'DELIVERED'],
      ['order-4', 'DELIVERED', 'DELIVERED'],
    ]);
    const sms = flow.find((e) => e.kind === 'inbound');
    assert.ok(sms?.kind === 'inbound');
    assert.deepEqual([sms.message.from, sms.message.text, sms.message.transportId], ['+447400123457', 'STATUS', 'loop']);
    assert.equal((await gateway.store.listInbound(1))[0]?.id, sms.message.id, 'the stored message, with its id');
    const path = (correlation: string) =>
      states.flatMap((e) => (e.kind === 'state' && e.message.correlation === correlation ? [`${e.previous}>${e.message.state}`] : []));
    assert.deepEqual(path('order-3'), ['null>QUEUED', 'QUEUED>SUBMITTED', 'SUBMITTED>DELIVERED']);
  });

  it('writes nothing to the feed while nobody listens, and then only the kinds listened for, several events a write', async () => {
    const store = new AppendLog();
    const { gateway } = await startGateway({ store });
    const sent = [];
    for (let i = 0; i < 20; i++) sent.push(await gateway.send({ to: '+447400123456', text: `quiet ${i}` }));
    for (const message of sent) await gateway.waitFor(message.id, 'final', 10_000);
    assert.equal(store.appends.length, 0, 'no listener anywhere: no feed writes');

    const reports: GatewayEvent[] = [];
    await gateway.listen('flow', ['report'], (event) => void reports.push(event)).ready;
    await Promise.all(Array.from({ length: 20 }, (_, i) => gateway.send({ to: '+447400123456', text: `heard ${i}` })));
    await until(() => reports.length === 20, 10_000, 'twenty reports');
    const appended = store.appends.flat();
    assert.equal(appended.length, 20, 'one event per report');
    assert.ok(appended.every((e) => e.kind === 'report'), 'no state changes: nobody listens for them');
    console.log(`      20 reports in ${store.appends.length} feed writes`);
    assert.ok(store.appends.length < 20, 'reports of one turn share a write');
  });

  it('acknowledges an event whose handler threw, with a warning naming the listener, and goes on with the next', async () => {
    const { gateway, loop } = await startGateway();
    const warnings: Error[] = [];
    gateway.on('warning', (err) => warnings.push(err));
    const texts: string[] = [];
    await gateway.listen('flaky', ['inbound'], (event) => {
      if (event.kind !== 'inbound') return;
      texts.push(event.message.text);
      if (event.message.text === 'boom') throw new Error('the flow broke');
    }).ready;
    for (const text of ['one', 'boom', 'three']) await loop.receive({ from: '+447400123457', to: '60000', text });
    await until(() => texts.length === 3 && warnings.length === 1, 10_000, 'three handled, one warning');
    assert.match(warnings[0]!.message, /flaky.*inbound.*the flow broke/);
    const later = await gateway.store.readFeed(['flaky'], 'someone-else', Date.now() + 3_600_000, 1000, 100);
    assert.equal(later.size, 0, 'all three acknowledged: none is handed on again');
  });

  it('keeps what comes while a listener is closed for the next one with its id, and forgets it when told to', async () => {
    const store = new SqliteStore(join(dir, 'gw.db'));
    const { gateway, loop } = await startGateway({ store });
    const first: string[] = [];
    const texts = (into: string[]) => (event: GatewayEvent) => {
      if (event.kind === 'inbound') into.push(event.message.text);
    };
    const listening = gateway.listen('receive-node', ['inbound'], texts(first));
    await listening.ready;
    await loop.receive({ from: '+447400123457', to: '60000', text: 'before' });
    await until(() => first.length === 1, 10_000, 'the first listener handed one SMS');
    await listening.close(); // a Node-RED redeploy: the node closes, its successor comes
    await loop.receive({ from: '+447400123457', to: '60000', text: 'during' });
    const second: string[] = [];
    const again = gateway.listen('receive-node', ['inbound'], texts(second));
    await until(() => second.length === 1, 10_000, 'the successor handed what came meanwhile');
    assert.deepEqual([first, second], [['before'], ['during']]);

    await again.close({ forget: true }); // the node was deleted
    assert.deepEqual(await store.feedKinds(), new Set(), 'its group is gone from the store');
  });

  it('hands its successor at once, not after the lease, what was read for a listener that closed before handing it on', async () => {
    const store = new MemoryStore();
    const { gateway } = await startGateway({ store, eventLeaseMs: 60_000 });
    const first: string[] = [];
    let unblock!: () => void;
    const blocked = new Promise<void>((resolve) => (unblock = resolve));
    const listening = gateway.listen('receive-node', ['inbound'], async (event) => {
      if (event.kind !== 'inbound') return;
      first.push(event.message.text);
      await blocked; // a handler still busy with the first of a batch when its node closes
    });
    await listening.ready;
    const sms = (text: string): FeedPayload => ({ kind: 'inbound', message: { id: `in-${text}`, transportId: 'loop', from: '+447400123457', to: '60000', text, receivedAt: Date.now() } });
    await store.appendEvents(['a', 'b', 'c'].map(sms), Date.now(), 1000); // one batch for the listener
    await until(() => first.length === 1, 10_000, 'the first SMS handed on');
    const closing = listening.close(); // a redeploy
    unblock();
    await closing;
    const second: Array<[string, boolean]> = [];
    gateway.listen('receive-node', ['inbound'], (event, delivery) => {
      if (event.kind === 'inbound') second.push([event.message.text, delivery.redelivered]);
    });
    // Well inside the 60 s lease the closed listener's process held b and c under.
    await until(() => second.length === 2, 10_000, 'the successor handed the two the first never got to');
    assert.deepEqual([first, second], [['a'], [['b', true], ['c', true]]]);
  });

  it("refuses an inbound SMS to its transport while its event cannot be stored, so the network sends it again", async () => {
    class FailingOnce extends MemoryStore {
      failures = 1;
      override appendEvents(...args: Parameters<MemoryStore['appendEvents']>): ReturnType<MemoryStore['appendEvents']> {
        if (this.failures-- > 0) return Promise.reject(new Error('disk full'));
        return super.appendEvents(...args);
      }
    }
    const { gateway, loop } = await startGateway({ store: new FailingOnce() });
    const texts: string[] = [];
    await gateway.listen('receive-node', ['inbound'], (event) => {
      if (event.kind === 'inbound') texts.push(event.message.text);
    }).ready;
    await assert.rejects(loop.receive({ from: '+447400123457', to: '60000', text: 'hello' }), /disk full/);
    await loop.receive({ from: '+447400123457', to: '60000', text: 'hello' }); // the SMSC's second try
    await until(() => texts.length === 1, 10_000, 'the SMS handed on once it could be stored');
    assert.deepEqual(texts, ['hello']);
  });

  it('takes a listener before start(): its group is joined once the store is open, and ready says so', async () => {
    const store = new SqliteStore(join(dir, 'gw.db'));
    const loop = new LoopbackTransport({ id: 'loop' });
    const gateway = new Gateway({ store, transports: [loop], guard: { enabled: false } });
    running.push(gateway);
    const texts: string[] = [];
    const listening = gateway.listen('early', ['inbound'], (event) => {
      if (event.kind === 'inbound') texts.push(event.message.text);
    });
    let ready = false;
    void listening.ready.then(() => (ready = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ready, false, 'not before the store is open');
    await gateway.start();
    await listening.ready;
    assert.deepEqual(await store.feedKinds(), new Set(['inbound']));
    await loop.receive({ from: '+447400123457', to: '60000', text: 'first' });
    await until(() => texts.length === 1, 10_000, 'the SMS handed to the early listener');
    assert.deepEqual(texts, ['first']);
  });

  it('refuses a listener without an id or with an unknown kind, naming the field', async () => {
    const { gateway } = await startGateway();
    const refused = (fn: () => unknown, field: string) =>
      assert.throws(fn, (err: unknown) => isSmsGateError(err) && err.code === 'OPTION_INVALID' && err.field === field);
    refused(() => gateway.listen('', ['report'], () => undefined), 'listenerId');
    refused(() => gateway.listen('x', ['reports' as never], () => undefined), 'kinds');
    refused(() => gateway.listen('x', [], () => undefined), 'kinds');
  });
});
