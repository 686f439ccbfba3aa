/**
 * Events across processes (Gateway.listen), with real processes on one sqlite file (and on one
 * real redis-server): each event
 * reaches each listener id once in all, whichever process produced it and however many listen
 * with that id; events held by a process killed before it acknowledged them go to another once
 * their lease lapses.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway, LoopbackTransport, type FeedEvent } from '../../src';
import { storeFromSpec } from '../fixtures/store-from-spec';
import { RedisServer } from '../helpers/redis-server';
import { until } from '../helpers/until';

const LISTENER = join(__dirname, '..', 'fixtures', 'event-listener.js');

interface Listener {
  child: ChildProcess;
  /** Each `got` line, with when it arrived. */
  got: { listener: string; kind: string; name: string; redelivered: boolean; at: number }[];
  lines: string[];
  exited: Promise<void>;
}

function startListener(path: string, spec: string, mode: 'ack' | 'hold', leaseMs: number): Listener {
  const child = spawn(process.execPath, [LISTENER, path, spec, mode, String(leaseMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const listener: Listener = { child, got: [], lines: [], exited: new Promise((resolve) => child.on('exit', () => resolve())) };
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) {
      listener.lines.push(line);
      const [word, id, kind, name, redelivered] = line.split(' ');
      if (word === 'got') listener.got.push({ listener: id!, kind: kind!, name: name!, redelivered: redelivered === '1', at: Date.now() });
    }
  });
  return listener;
}

/** Whether it said `ready`; throws if it exited first (so a test fails at once, not at a timeout). */
function isReady(listener: Listener): boolean {
  if (listener.child.exitCode !== null) throw new Error(`a listener process exited with ${listener.child.exitCode} before it was ready`);
  return listener.lines.includes('ready');
}

async function stopListener(listener: Listener): Promise<void> {
  if (listener.child.exitCode !== null || listener.child.signalCode !== null) return;
  listener.child.stdin!.write('stop\n');
  await listener.exited;
}

/** How many `got` lines of `listenerId` name each event. */
function tally(listeners: Listener[], listenerId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const got of listeners.flatMap((l) => l.got).filter((g) => g.listener === listenerId)) {
    counts.set(`${got.kind} ${got.name}`, (counts.get(`${got.kind} ${got.name}`) ?? 0) + 1);
  }
  return counts;
}

for (const kind of ['sqlite', 'redis'] as const) describe(`events across processes on one ${kind} store (Gateway.listen)`, function () {
  this.timeout(120_000);
  let dir: string;
  /** The store, as the processes open it: a sqlite file's path or a Redis store's config as JSON. */
  let path: string;
  let redis: RedisServer | undefined;

  before(async () => {
    if (kind === 'redis') redis = await RedisServer.start();
  });
  after(async () => redis?.dispose());
  let producer: Gateway;
  let loop: LoopbackTransport;
  const listeners: Listener[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-events-'));
    path =
      kind === 'sqlite'
        ? join(dir, 'gateway.db')
        : JSON.stringify({ type: 'redis', url: redis!.url(), prefix: `events-${Math.random().toString(36).slice(2)}` });
    // The producer: sends messages (the loopback answers each with a delivery report) and
    // receives inbound SMS. It listens to nothing itself; each test starts it once its listeners are ready.
    loop = new LoopbackTransport({ id: 'loop', dlrDelayMs: 0 });
    producer = new Gateway({ store: storeFromSpec(path), transports: [loop], guard: { enabled: false }, pollMs: 50 });
  });

  afterEach(async () => {
    for (const l of listeners.splice(0)) {
      if (l.child.exitCode === null && l.child.signalCode === null) l.child.kill('SIGKILL');
      await l.exited;
    }
    await producer.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends `count` messages (correlation `m<i>`) and receives `inbound` SMS (text `in<i>`), interleaved. */
  async function produce(count: number, inbound: number): Promise<void> {
    for (let i = 0; i < Math.max(count, inbound); i++) {
      if (i < count) await producer.send({ to: '+447400123456', text: `hello ${i}`, correlation: `m${i}` });
      if (i < inbound) await loop.receive({ from: '+447400123457', to: '60000', text: `in${i}` });
    }
  }

  /** Events nobody acknowledged yet, as a reader long after every lease would take them. */
  async function unacknowledged(listenerIds: string[]): Promise<FeedEvent[]> {
    const store = storeFromSpec(path);
    await store.open();
    try {
      const read = await store.readFeed(listenerIds, 'auditor', Date.now() + 3_600_000, 1000, 10_000);
      return [...read.values()].flat();
    } finally {
      await store.close();
    }
  }

  it('two processes listening with one id get each report and inbound SMS once in all; a second id gets each once too', async () => {
    const spec = 'flow:report,inbound;audit:report';
    const a = startListener(path, spec, 'ack', 30_000);
    const b = startListener(path, spec, 'ack', 30_000);
    listeners.push(a, b);
    await until(() => isReady(a) && isReady(b), 60_000, 'both listeners ready');
    // Once the groups exist, the producer appends their kinds (it learns them at its next refresh).
    await producer.start(); // it learns at start which kinds the groups in the store listen for
    const messages = 300;
    const inbound = 60;
    await produce(messages, inbound);
    await until(() => tally([a, b], 'flow').size === messages + inbound && tally([a, b], 'audit').size === messages, 60_000, 'every event at each listener id');
    await Promise.all([stopListener(a), stopListener(b)]);

    const flow = tally([a, b], 'flow');
    const audit = tally([a, b], 'audit');
    const split = (id: string) => [a, b].map((l) => l.got.filter((g) => g.listener === id).length);
    console.log(`      flow handled by the two processes: ${split('flow').join(' + ')}; audit: ${split('audit').join(' + ')}`);
    assert.equal(flow.size, messages + inbound);
    assert.deepEqual([...flow.values()].filter((n) => n !== 1), [], 'no event handed to flow twice');
    assert.equal([...flow.keys()].filter((k) => k.startsWith('report ')).length, messages, 'flow: one report per message');
    assert.equal(audit.size, messages);
    assert.deepEqual([...audit.values()].filter((n) => n !== 1), [], 'no event handed to audit twice');
    assert.ok([...audit.keys()].every((k) => k.startsWith('report ')), 'audit listens for reports only');
    assert.deepEqual(await unacknowledged(['flow', 'audit']), [], 'every event was acknowledged');
  });

  it('a producing process that listens too shares each event with the other listener of its id, once in all', async () => {
    const other = startListener(path, 'flow:report,inbound', 'ack', 30_000);
    listeners.push(other);
    await until(() => isReady(other), 60_000, 'the other listener ready');
    const here: string[] = [];
    await producer.start();
    await producer.listen('flow', ['report', 'inbound'], (event) => {
      here.push(event.kind === 'inbound' ? `inbound ${event.message.text}` : `report ${event.message?.correlation}`);
    }).ready;
    const messages = 200;
    const inbound = 40;
    await produce(messages, inbound);
    const all = () => [...here, ...other.got.map((g) => `${g.kind} ${g.name}`)];
    await until(() => new Set(all()).size === messages + inbound, 60_000, 'every event at the listener id');
    await stopListener(other);
    console.log(`      handed on by the producer: ${here.length}, by the other process: ${other.got.length}`);
    assert.equal(all().length, messages + inbound, 'none twice');
    assert.deepEqual(await unacknowledged(['flow']), []);
  });

  it('hands the events a process held when it was killed (SIGKILL) to another listener of its id once the lease lapses', async () => {
    const LEASE_MS = 2000;
    const holder = startListener(path, 'flow:report,inbound', 'hold', LEASE_MS);
    listeners.push(holder);
    await until(() => isReady(holder), 60_000, 'the holding listener ready');
    await producer.start();
    await produce(0, 20);
    await until(() => holder.got.length > 0, 30_000, 'the holder taking its first event');
    const held = holder.got[0]!;
    holder.child.kill('SIGKILL');
    await holder.exited;

    const taker = startListener(path, 'flow:report,inbound', 'ack', LEASE_MS);
    listeners.push(taker);
    await until(() => tally([taker], 'flow').size === 20, 60_000, 'the other process having all 20');
    await stopListener(taker);
    const counts = tally([taker], 'flow');
    assert.deepEqual([...counts.values()].filter((n) => n !== 1), [], 'each once');
    const again = taker.got.find((g) => g.name === held.name)!;
    console.log(`      held ${held.name}; handed on ${again.at - held.at} ms after the holder took it (lease ${LEASE_MS} ms)`);
    assert.equal(again.redelivered, true, 'marked as handed on');
    assert.ok(again.at - held.at >= LEASE_MS - 100, 'not before the lease lapsed');
    assert.deepEqual(await unacknowledged(['flow']), []);
  });
});
