import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway, type GatewayOptions, type ReportEvent, type StateChange } from '../../src/gateway/gateway';
import { SmsGateError } from '../../src/errors';
import { MemoryStore } from '../../src/store/memory';
import { SqliteStore } from '../../src/store/sqlite';
import type { MessageRecord, Store } from '../../src/store/types';
import { LoopbackTransport } from '../../src/transport/loopback';
import { sampleRecord } from '../helpers/records';
import { until } from '../helpers/until';
import { permanent, ScriptedTransport, temporary, unavailable } from '../helpers/scripted-transport';

/** A memory store that counts the outbox's writes to each message, to see what it rewrites. */
class CountingStore extends MemoryStore {
  private readonly updates = new Map<string, number>();

  private count(id: string): void {
    this.updates.set(id, (this.updates.get(id) ?? 0) + 1);
  }

  override retry(...args: Parameters<MemoryStore['retry']>): ReturnType<MemoryStore['retry']> {
    this.count(args[0]);
    return super.retry(...args);
  }

  override setAside(...args: Parameters<MemoryStore['setAside']>): ReturnType<MemoryStore['setAside']> {
    this.count(args[0]);
    return super.setAside(...args);
  }

  readonly wakes: string[] = [];

  override wakeWaitingFor(...args: Parameters<MemoryStore['wakeWaitingFor']>): ReturnType<MemoryStore['wakeWaitingFor']> {
    this.wakes.push(args[0]);
    return super.wakeWaitingFor(...args);
  }

  updatesOf(id: string): number {
    return this.updates.get(id) ?? 0;
  }
}

const UK_MOBILE = '+447400123456';
const FAST = { retry: { baseDelayMs: 5, maxDelayMs: 20 }, pollMs: 20 } satisfies Partial<GatewayOptions>;

describe('Gateway', () => {
  const running: Gateway[] = [];
  let dir: string;

  async function startGateway(options: Partial<GatewayOptions> & Pick<GatewayOptions, 'transports'>): Promise<Gateway> {
    const gateway = new Gateway({ store: new MemoryStore(), ...FAST, ...options });
    running.push(gateway);
    await gateway.start();
    return gateway;
  }

  function recordStates(gateway: Gateway): StateChange[] {
    const seen: StateChange[] = [];
    gateway.on('state', (e) => seen.push(e));
    return seen;
  }

  function recordReports(gateway: Gateway): ReportEvent[] {
    const seen: ReportEvent[] = [];
    gateway.on('report', (e) => seen.push(e));
    return seen;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-gw-'));
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((g) => g.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes a message from QUEUED through SUBMITTED to DELIVERED, with the correlation value', async () => {
    const gateway = await startGateway({ transports: [new LoopbackTransport({ id: 'lb', dlrDelayMs: 5 })] });
    const states = recordStates(gateway);
    const reports = recordReports(gateway);

    const accepted = await gateway.send({ to: UK_MOBILE, text: 'hello', from: 'ACME', correlation: 'order-9' });
    assert.equal(accepted.state, 'QUEUED');
    assert.equal(accepted.recipient.e164, UK_MOBILE);

    const done = await gateway.waitFor(accepted.id, 'final', 2000);
    assert.equal(done.state, 'DELIVERED');
    assert.equal(done.transportId, 'lb');
    assert.deepEqual(done.providerIds, ['lb-1']);
    assert.deepEqual(
      states.map((s) => [s.previous, s.message.state]),
      [
        [null, 'QUEUED'],
        ['QUEUED', 'SUBMITTED'],
        ['SUBMITTED', 'DELIVERED'],
      ],
    );
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.message?.correlation, 'order-9');
  });

  it('calls a multipart message DELIVERED only when every segment is', async () => {
    const transport = new ScriptedTransport('t1');
    const gateway = await startGateway({ transports: [transport] });
    const accepted = await gateway.send({ to: UK_MOBILE, text: 'x'.repeat(400) });
    assert.equal(accepted.segments, 3);
    const submitted = await gateway.waitFor(accepted.id, 'submitted', 2000);
    assert.equal(submitted.providerIds.length, 3);

    await transport.report(submitted.providerIds[0]!, 'DELIVERED');
    await transport.report(submitted.providerIds[2]!, 'DELIVERED');
    assert.equal((await gateway.getMessage(accepted.id))?.state, 'SUBMITTED');
    await transport.report(submitted.providerIds[1]!, 'DELIVERED');
    const done = await gateway.getMessage(accepted.id);
    assert.equal(done?.state, 'DELIVERED');
    assert.deepEqual(done?.segmentStates, ['DELIVERED', 'DELIVERED', 'DELIVERED']);
  });

  it('fails a multipart message as soon as one segment is undelivered', async () => {
    const transport = new ScriptedTransport('t1');
    const gateway = await startGateway({ transports: [transport] });
    const accepted = await gateway.send({ to: UK_MOBILE, text: 'y'.repeat(200) });
    const submitted = await gateway.waitFor(accepted.id, 'submitted', 2000);
    await transport.report(submitted.providerIds[1]!, 'UNDELIVERED');
    assert.equal((await gateway.getMessage(accepted.id))?.state, 'UNDELIVERED');
  });

  it('holds a scheduled message in the outbox when the transport cannot schedule', async () => {
    const transport = new ScriptedTransport('t1');
    const gateway = await startGateway({ transports: [transport] });
    const at = Date.now() + 300;
    const accepted = await gateway.send({ to: UK_MOBILE, text: 'later', scheduleAt: new Date(at) });
    assert.equal(accepted.scheduledAt, at);
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(transport.submitted.length, 0, 'not before its time');
    const done = await gateway.waitFor(accepted.id, 'submitted', 2000);
    assert.ok(done.submittedAt! >= at, `submitted ${done.submittedAt! - at} ms after the time`);
    assert.equal(transport.submitted[0]!.scheduledAt, at);
  });

  it('refuses a schedule beyond the validity period or that is no time at all', async () => {
    const gateway = await startGateway({ transports: [new ScriptedTransport('t1')] });
    for (const scheduleAt of [Date.now() + 7_200_000, Number.NaN]) {
      await assert.rejects(gateway.send({ to: UK_MOBILE, text: 'x', validitySeconds: 3600, scheduleAt }), {
        code: 'OPTION_INVALID',
        field: 'scheduleAt',
      });
    }
  });

  it('does not send twice for one idempotency key', async () => {
    const transport = new ScriptedTransport('t1');
    const gateway = await startGateway({ transports: [transport] });
    const first = await gateway.send({ to: UK_MOBILE, text: 'once', idempotencyKey: 'k-1' });
    await gateway.waitFor(first.id, 'submitted', 2000);
    const second = await gateway.send({ to: UK_MOBILE, text: 'once', idempotencyKey: 'k-1' });
    assert.equal(second.id, first.id);
    assert.equal(second.state, 'SUBMITTED');
    assert.equal(transport.submitted.length, 1);
  });

  it('retries temporary refusals and then submits', async () => {
    const transport = new ScriptedTransport('t1', [temporary(), temporary()]);
    const gateway = await startGateway({ transports: [transport] });
    const accepted = await gateway.send({ to: UK_MOBILE, text: 'retry me' });
    const done = await gateway.waitFor(accepted.id, 'submitted', 2000);
    assert.equal(done.state, 'SUBMITTED');
    assert.equal(done.attempts, 3);
    assert.equal(transport.submitted.length, 1);
  });

  it('fails fast on a permanent refusal, keeping the transport code', async () => {
    const transport = new ScriptedTransport('t1', [permanent('invalid destination')]);
    const gateway = await startGateway({ transports: [transport] });
    const accepted = await gateway.send({ to: UK_MOBILE, text: 'no' });
    const done = await gateway.waitFor(accepted.id, 'final', 2000);
    assert.equal(done.state, 'FAILED');
    assert.equal(done.error?.code, 'TRANSPORT_PERMANENT');
    assert.equal(done.error?.providerCode, 0x0b);
    assert.equal(transport.submitted.length, 0);
  });

  it('gives up after the last attempt', async () => {
    const transport = new ScriptedTransport('t1', [temporary(), temporary(), temporary()]);
    const gateway = await startGateway({ transports: [transport], retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
    const accepted = await gateway.send({ to: UK_MOBILE, text: 'doomed' });
    const done = await gateway.waitFor(accepted.id, 'final', 2000);
    assert.equal(done.state, 'FAILED');
    assert.equal(done.error?.code, 'RETRIES_EXHAUSTED');
    assert.match(done.error!.message, /3 attempts.*try later/);
  });

  it('never submits a message whose validity ended while the gateway was down', async () => {
    const store = new SqliteStore(join(dir, 'gw.db'));
    await store.open();
    const stale = sampleRecord({ validUntil: Date.now() - 1000, nextAttemptAt: Date.now() - 3_600_000 });
    await store.insertMessage(stale);
    await store.close();

    const transport = new ScriptedTransport('t1');
    const gateway = await startGateway({ store: new SqliteStore(join(dir, 'gw.db')), transports: [transport] });
    const done = await gateway.waitFor(stale.id, 'final', 2000);
    assert.equal(done.state, 'FAILED');
    assert.equal(done.error?.code, 'VALIDITY_EXPIRED');
    assert.equal(transport.submitted.length, 0);
  });

  it('fails over to the next transport when the first link is down or refuses', async () => {
    const first = new ScriptedTransport('t1', [temporary()]);
    const second = new ScriptedTransport('t2');
    const gateway = await startGateway({ transports: [first, second] });

    const refused = await gateway.send({ to: UK_MOBILE, text: 'a' });
    assert.equal((await gateway.waitFor(refused.id, 'submitted', 2000)).transportId, 't2');

    first.setStatus({ state: 'reconnecting' });
    const down = await gateway.send({ to: UK_MOBILE, text: 'b' });
    assert.equal((await gateway.waitFor(down.id, 'submitted', 2000)).transportId, 't2');
    assert.equal(first.submitted.length, 0);

    first.setStatus({ state: 'connected' });
    const up = await gateway.send({ to: UK_MOBILE, text: 'c' });
    assert.equal((await gateway.waitFor(up.id, 'submitted', 2000)).transportId, 't1');
  });

  it('lets a message wait for a link that is down without rewriting it each poll, and sends it when the link comes up', async () => {
    const store = new CountingStore();
    const transport = new ScriptedTransport('t1', [unavailable()]);
    const gateway = await startGateway({ store, transports: [transport] });
    transport.setStatus({ state: 'reconnecting' });

    const waiting = await gateway.send({ to: UK_MOBILE, text: 'while the SMSC is away' });
    // 15 poll intervals (20 ms): the message was set aside once, not rewritten each time.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(store.updatesOf(waiting.id), 1);
    const parked = await gateway.getMessage(waiting.id);
    assert.equal(parked!.state, 'QUEUED');
    assert.equal(parked!.error?.code, 'TRANSPORT_UNAVAILABLE');
    assert.equal(parked!.attempts, 0);

    // Far sooner than the 30 s recheck: the link coming up wakes it.
    transport.setStatus({ state: 'connected' });
    const sent = await gateway.waitFor(waiting.id, 'submitted', 2000);
    assert.equal(sent.state, 'SUBMITTED');
    assert.equal(transport.submitted.length, 1);
  });

  it('leaves a message set aside alone while every link stays down, however often the recheck comes', async () => {
    const store = new CountingStore();
    const transport = new ScriptedTransport('t1', [unavailable()]);
    const gateway = await startGateway({ store, transports: [transport], unavailableRecheckMs: 25 });
    transport.setStatus({ state: 'disconnected' });
    const waiting = await gateway.send({ to: UK_MOBILE, text: 'while the SMSC is away' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(store.updatesOf(waiting.id), 1, 'set aside once, then not rewritten by a dozen rechecks');
    assert.equal(transport.submitted.length, 0);
  });

  it('wakes, at the recheck, a message set aside while its link was up (a drop and a return it did not see)', async () => {
    // The link reports connected throughout, so no link-up wakes the message the first submit set aside.
    const transport = new ScriptedTransport('t1', [unavailable()]);
    const gateway = await startGateway({ transports: [transport], unavailableRecheckMs: 100 });
    const waiting = await gateway.send({ to: UK_MOBILE, text: 'raced a reconnect' });
    const sent = await gateway.waitFor(waiting.id, 'submitted', 2000);
    assert.equal(sent.state, 'SUBMITTED');
    assert.equal(sent.attempts, 1, 'the refusal for a link down used no attempt');
  });

  it("wakes messages waiting for link a only when a comes up, not while another link is up", async () => {
    const store = new CountingStore();
    const a = new ScriptedTransport('a', Array.from({ length: 50 }, () => unavailable()));
    const b = new ScriptedTransport('b');
    const gateway = await startGateway({ store, transports: [a, b], unavailableRecheckMs: 20, guard: { enabled: false } });
    a.setStatus({ state: 'disconnected' });
    const waiting: MessageRecord[] = [];
    for (let i = 0; i < 50; i++) waiting.push(await gateway.send({ to: UK_MOBILE, text: `for a ${i}`, transports: ['a'] }));
    await until(() => waiting.every((m) => store.updatesOf(m.id) === 1), 2000, 'all 50 set aside');
    // b is up all along: a dozen rechecks wake what waits for b (nothing), never what waits for a.
    const rechecks = store.wakes.length;
    await until(() => store.wakes.length >= rechecks + 12, 5000, 'a dozen rechecks');
    const woken = store.wakes.slice(rechecks);
    assert.ok(woken.every((id) => id === 'b'), `woken for ${[...new Set(woken)].join(', ')}`);
    assert.deepEqual(waiting.map((m) => store.updatesOf(m.id)), waiting.map(() => 1), 'each set aside once, never rewritten');
    const viaB = await gateway.send({ to: UK_MOBILE, text: 'for b', transports: ['b'] });
    assert.equal((await gateway.waitFor(viaB.id, 'submitted', 2000)).transportId, 'b');

    a.setStatus({ state: 'connected' });
    const sent = await Promise.all(waiting.map((m) => gateway.waitFor(m.id, 'submitted', 5000)));
    assert.deepEqual([...new Set(sent.map((m) => m.transportId))], ['a']);
    assert.equal(a.submitted.length, 50);
  });

  it('fails a message that waited for a link with VALIDITY_EXPIRED at the end of its validity, not before', async () => {
    const transport = new ScriptedTransport('t1', [unavailable()]);
    const gateway = await startGateway({ transports: [transport] });
    transport.setStatus({ state: 'disconnected' });
    const sentAt = Date.now();
    // One second: the shortest validity a send request may ask for.
    const waiting = await gateway.send({ to: UK_MOBILE, text: 'short-lived', validitySeconds: 1 });
    const done = await gateway.waitFor(waiting.id, 'final', 5000);
    assert.equal(done.state, 'FAILED');
    assert.equal(done.error?.code, 'VALIDITY_EXPIRED');
    assert.ok(Date.now() - sentAt >= 1000, 'not failed before its validity ended');
    assert.equal(transport.submitted.length, 0);
  });

  it('rejects with NO_ROUTE when no route matches', async () => {
    const transport = new ScriptedTransport('fr');
    const gateway = await startGateway({ transports: [transport], routes: [{ match: { country: ['FR'] }, transports: ['fr'] }] });
    const rejected = await gateway.send({ to: UK_MOBILE, text: 'hi' });
    assert.equal(rejected.state, 'REJECTED');
    assert.equal(rejected.error?.code, 'NO_ROUTE');
    assert.equal((await gateway.getMessage(rejected.id))?.state, 'REJECTED', 'the refusal is on record');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(transport.submitted.length, 0);
  });

  it('refuses a timing option that would run a timer in a loop, naming it', () => {
    const transports = [new ScriptedTransport('t1')];
    for (const [name, value] of [['unavailableRecheckMs', 0], ['pollMs', -5], ['reassemblyTimeoutMs', Number.NaN], ['reportHoldMs', -1]] as const) {
      assert.throws(
        () => new Gateway({ store: new MemoryStore(), transports, [name]: value }),
        (err: unknown) => err instanceof SmsGateError && err.code === 'CONFIG_INVALID' && err.field === name && err.message.startsWith(name),
      );
    }
    assert.doesNotThrow(() => new Gateway({ store: new MemoryStore(), transports, reportHoldMs: 0 }), 'no hold is a choice');
  });

  it('refuses premium-rate numbers by default', async () => {
    const gateway = await startGateway({ transports: [new ScriptedTransport('t1')] });
    const rejected = await gateway.send({ to: '+449098790000', text: 'win a prize' });
    assert.equal(rejected.recipient.type, 'PREMIUM_RATE');
    assert.equal(rejected.state, 'REJECTED');
    assert.equal(rejected.error?.code, 'NUMBER_TYPE_BLOCKED');
  });

  it('honours STOP and START from inbound messages', async () => {
    const transport = new LoopbackTransport({ id: 'lb' });
    const gateway = await startGateway({ transports: [transport], defaults: { region: 'GB' } });
    const inbound: string[] = [];
    gateway.on('inbound', (m) => inbound.push(m.text));

    await transport.receive({ from: UK_MOBILE, to: '60000', text: ' stop ' });
    const refused = await gateway.send({ to: '07400 123456', text: 'offer' });
    assert.equal(refused.state, 'REJECTED');
    assert.equal(refused.error?.code, 'OPTED_OUT');

    await transport.receive({ from: UK_MOBILE, to: '60000', text: 'START' });
    const allowed = await gateway.send({ to: UK_MOBILE, text: 'welcome back' });
    assert.equal(allowed.state, 'QUEUED');
    assert.deepEqual(inbound, [' stop ', 'START']);
    assert.equal((await gateway.store.listInbound(10)).length, 2);
  });

  it('correlates a delivery report that arrives after a restart (sqlite)', async () => {
    const path = join(dir, 'gw.db');
    const before = new ScriptedTransport('smsc1');
    const first = await startGateway({ store: new SqliteStore(path), transports: [before] });
    const accepted = await first.send({ to: UK_MOBILE, text: 'across a restart', correlation: 'c-42' });
    const submitted = await first.waitFor(accepted.id, 'submitted', 2000);
    await first.stop();

    const after = new ScriptedTransport('smsc1');
    const second = await startGateway({ store: new SqliteStore(path), transports: [after] });
    const reports = recordReports(second);
    await after.report(submitted.providerIds[0]!, 'DELIVERED');
    assert.equal(reports[0]?.message?.id, accepted.id);
    assert.equal(reports[0]?.message?.correlation, 'c-42');
    assert.equal((await second.getMessage(accepted.id))?.state, 'DELIVERED');
  });

  it('takes over, once its lease lapses, a message another gateway claimed and never finished', async () => {
    const path = join(dir, 'gw.db');
    const store: Store = new SqliteStore(path);
    await store.open();
    const orphan = sampleRecord({ nextAttemptAt: Date.now(), validUntil: Date.now() + 3_600_000 });
    await store.insertMessage(orphan);
    // Another process (on this machine or another: no host or pid is involved) claimed it for 300 ms and died.
    const claimedAt = Date.now();
    await store.claimDue(claimedAt, 10, 'a-gateway-that-died', 300);
    await store.close();

    const transport = new ScriptedTransport('t1');
    const gateway = await startGateway({ store: new SqliteStore(path), transports: [transport] });
    const done = await gateway.waitFor(orphan.id, 'submitted', 5000);
    assert.equal(done.state, 'SUBMITTED');
    assert.ok(done.submittedAt! >= claimedAt + 300, 'not before the lease lapsed');
    assert.equal(transport.submitted.length, 1);
  });

  it('purges a delivered message and its provider link once its retention has passed, not before', async () => {
    const transport = new ScriptedTransport('t1');
    const store = new MemoryStore();
    const second = 1 / 86_400;
    const gateway = await startGateway({ store, transports: [transport], retention: { finalDays: 0.3 * second }, purgeEveryMs: 50 });
    const message = await gateway.send({ to: UK_MOBILE, text: 'kept a while' });
    const submitted = await gateway.waitFor(message.id, 'submitted', 2000);
    await transport.report(submitted.providerIds[0]!, 'DELIVERED');
    const deliveredAt = Date.now();
    assert.equal((await gateway.getMessage(message.id))?.state, 'DELIVERED');
    let gone = false;
    const poll = setInterval(() => void store.getMessage(message.id).then((m) => (gone = m === undefined)), 10);
    try {
      await until(() => gone, 5000, 'the purge');
    } finally {
      clearInterval(poll);
    }
    assert.ok(Date.now() - deliveredAt >= 300, 'not before its retention passed');
    assert.deepEqual(await store.findByProviderId('t1', submitted.providerIds[0]!), []);
  });

  it('refuses a retention that is not a number above 0, naming it', () => {
    assert.throws(
      () => new Gateway({ store: new MemoryStore(), transports: [new ScriptedTransport('t1')], retention: { refusedHours: 0 } }),
      (err: SmsGateError) => err.code === 'CONFIG_INVALID' && err.field === 'retention.refusedHours',
    );
  });

  it('names the field at fault for bad input and stores nothing', async () => {
    const gateway = await startGateway({ transports: [new ScriptedTransport('t1')] });
    const cases: [Parameters<Gateway['send']>[0], string, string][] = [
      [{ to: '+4412', text: 'hi' }, 'to', 'NUMBER_TOO_SHORT'],
      [{ to: '12', text: 'hi' }, 'to', 'REGION_UNKNOWN'],
      [{ to: 'not a number', text: 'hi' }, 'to', 'NUMBER_NOT_A_NUMBER'],
      [{ to: UK_MOBILE, text: '' }, 'text', 'TEXT_EMPTY'],
      [{ to: UK_MOBILE, text: 'hi', from: 'FAR_TOO_LONG_SENDER' }, 'from', 'SENDER_TOO_LONG'],
      [{ to: UK_MOBILE, text: 'z'.repeat(2000) }, 'text', 'TEXT_TOO_MANY_SEGMENTS'],
      [{ to: UK_MOBILE, text: 'hi', priority: 9 }, 'priority', 'OPTION_INVALID'],
    ];
    for (const [request, field, code] of cases) {
      await assert.rejects(gateway.send(request), (err: SmsGateError) => {
        assert.equal(err.code, code, JSON.stringify(request).slice(0, 80));
        assert.equal(err.field, field);
        return true;
      });
    }
    assert.deepEqual(await gateway.store.countByState(), {});
  });
});
