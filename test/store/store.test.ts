/**
 * One contract, every store: what the gateway relies on must hold for memory, sqlite and Redis
 * alike. The Redis store runs against a real redis-server this file starts (helpers/redis-server),
 * each test under a prefix of its own.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { MemoryStore } from '../../src/store/memory';
import { RedisStore } from '../../src/store/redis';
import { SqliteStore } from '../../src/store/sqlite';
import type { FeedEvent, FeedPayload, MessageRecord, QuotaCap, Store } from '../../src/store/types';
import { sampleRecord } from '../helpers/records';
import { RedisServer } from '../helpers/redis-server';
import { mostInSpan } from '../helpers/spans';

/** One redis-server for the whole file, started when a Redis test first needs it. */
let redisServer: Promise<RedisServer> | undefined;
function redis(): Promise<RedisServer> {
  redisServer ??= RedisServer.start();
  return redisServer;
}
after(async () => {
  if (redisServer !== undefined) await (await redisServer).dispose();
});

let prefixes = 0;
/** A prefix no other test uses: each test has a store of its own on the one server. */
function freshPrefix(): string {
  return `t${++prefixes}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * What another process opens to reach the same store: a sqlite file's path, or a Redis store's
 * config as JSON (test/fixtures/store-from-spec reads either).
 */
async function storeSpec(store: Store): Promise<string> {
  if (store instanceof SqliteStore) return store.path;
  return JSON.stringify({ type: 'redis', url: (await redis()).url(), prefix: (store as RedisStore).prefix });
}

/** A store of `kind`, not open yet: sqlite in `dir`, Redis under `prefix`. */
async function newStore(kind: 'memory' | 'sqlite' | 'redis', dir: string, prefix = freshPrefix(), file = join(dir, 'gw.db')): Promise<Store> {
  if (kind === 'memory') return new MemoryStore();
  if (kind === 'sqlite') return new SqliteStore(file);
  return new RedisStore({ url: (await redis()).url(), prefix });
}

/**
 * Before each test of the suite: a fresh store of `kind`, open, in a new temporary directory
 * (sqlite's file at `file(dir)`), handed to `use`; after it, closed and the directory removed.
 */
function freshStoreEach(kind: 'memory' | 'sqlite' | 'redis', use: (store: Store) => void, file?: (dir: string) => string): void {
  let store: Store;
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-store-'));
    store = await newStore(kind, dir, undefined, file?.(dir));
    await store.open();
    use(store);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

/** A claim-loop process (test/fixtures/claim-loop) on `path`: `ready` once it is open, then the ids it claimed. */
function claimInChild(
  spec: string,
  owner: string,
): { ready: Promise<void>; go(): void; holdsBatch: Promise<void>; goOn(): void; claimed: Promise<string[]> } {
  const child = spawn(process.execPath, [join(__dirname, '..', 'fixtures', 'claim-loop.js'), spec, owner], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  let holds!: () => void;
  const holdsBatch = new Promise<void>((resolve) => (holds = resolve));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    if (out.startsWith('ready\n')) ready();
    if (out.startsWith('ready\nclaimed\n')) holds();
  });
  const claimed = new Promise<string[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out.slice('ready\nclaimed\n'.length)) as string[]);
      else reject(new Error(`claim-loop exited with ${code}`));
    });
  });
  return { ready: isReady, go: () => child.stdin.write('go\n'), holdsBatch, goOn: () => child.stdin.write('on\n'), claimed };
}

const NOW = 1_700_000_000_000;

for (const kind of ['memory', 'sqlite', 'redis'] as const) {
  describe(`${kind} store`, () => {
    let store: Store;

    // A sqlite file in a directory not made yet: the store makes it.
    freshStoreEach(kind, (opened) => (store = opened), (path) => join(path, 'nested', 'gw.db'));

    it('keeps a message and gives back an equal copy', async () => {
      const record = sampleRecord();
      const { created } = await store.insertMessage(record);
      assert.equal(created, true);
      assert.deepEqual(await store.getMessage(record.id), record);
      assert.equal(await store.getMessage('nope'), undefined);
    });

    it('is not changed through a record it was given or handed out', async () => {
      const record = sampleRecord();
      const { record: stored } = await store.insertMessage(record);
      record.recipient.e164 = '+10000000000';
      record.providerIds.push('x');
      for (const held of [stored, await store.getMessage(record.id)]) {
        // A record handed out is a copy or frozen: changing it, where that is allowed, is not seen.
        try {
          held!.segmentStates[0] = 'DELIVERED';
          held!.state = 'FAILED';
        } catch (err) {
          assert.ok(err instanceof TypeError);
        }
      }
      assert.deepEqual(await store.getMessage(record.id), sampleRecord({ id: record.id, createdAt: record.createdAt }));
    });

    it('returns the holder of an idempotency key instead of inserting twice', async () => {
      const first = sampleRecord({ idempotencyKey: 'order-17' });
      await store.insertMessage(first);
      const again = await store.insertMessage(sampleRecord({ idempotencyKey: 'order-17', text: 'other' }));
      assert.equal(again.created, false);
      assert.equal(again.record.id, first.id);
      assert.deepEqual(await store.countByState(), { QUEUED: 1 });
    });

    it('claims due messages once, by priority, and leases them', async () => {
      const low = sampleRecord({ nextAttemptAt: NOW - 10 });
      const high = sampleRecord({ priority: 3, nextAttemptAt: NOW });
      const later = sampleRecord({ nextAttemptAt: NOW + 60_000 });
      for (const r of [low, high, later]) await store.insertMessage(r);

      const claimed = await store.claimDue(NOW, 10, 'a', 30_000);
      assert.deepEqual(
        claimed.map((r) => r.id),
        [high.id, low.id],
      );
      assert.deepEqual(await store.claimDue(NOW, 10, 'b', 30_000), [], 'leased messages are not claimed again');
      assert.equal(await store.nextDue(), NOW - 10);

      const afterLease = await store.claimDue(NOW + 30_000, 10, 'b', 30_000);
      assert.deepEqual(afterLease.map((r) => r.id).sort(), [high.id, low.id].sort(), 'an expired lease frees the message');
    });

    it('claims by priority, and messages due at the same time in the order they came in', async () => {
      const records = Array.from({ length: 8 }, (_, i) => sampleRecord({ id: `m${i}`, priority: i % 3 === 0 ? 2 : 0, nextAttemptAt: NOW - 5 }));
      for (const r of records) await store.insertMessage(r);
      const firstFour = await store.claimDue(NOW, 4, 'a', 30_000);
      const rest = await store.claimDue(NOW, 10, 'a', 30_000);
      assert.deepEqual(
        [...firstFour, ...rest].map((r) => r.id),
        ['m0', 'm3', 'm6', 'm1', 'm2', 'm4', 'm5', 'm7'],
      );
    });

    it('leaves messages not due yet out of claims until their time, earliest first, then in the order they came in', async () => {
      const now = Date.now();
      const last = sampleRecord({ id: 'last', nextAttemptAt: now + 20_000 });
      const first = sampleRecord({ id: 'first', nextAttemptAt: now + 10_000 });
      const second = sampleRecord({ id: 'second', nextAttemptAt: now + 10_000 });
      for (const r of [last, first, second]) await store.insertMessage(r);
      assert.deepEqual(await store.claimDue(now, 10, 'a', 30_000), []);
      assert.equal(await store.nextDue(), now + 10_000);
      assert.deepEqual((await store.claimDue(now + 10_000, 10, 'a', 30_000)).map((r) => r.id), ['first', 'second']);
      assert.equal(await store.nextDue(), now + 10_000, 'leased messages are still queued');
      assert.deepEqual((await store.claimDue(now + 20_000, 10, 'a', 30_000)).map((r) => r.id), ['last']);
    });

    /** Claims `record` for `owner` and sets it aside for `transports` until `until`. */
    async function setAside(record: MessageRecord, transports: string[], until: number, owner = 'a'): Promise<void> {
      await store.insertMessage(record);
      const [claimed] = await store.claimDue(record.nextAttemptAt, 1, owner, 30_000);
      assert.equal(claimed?.id, record.id);
      const error = { code: 'TRANSPORT_UNAVAILABLE' as const, message: 'link down' };
      const done = await store.setAside(record.id, owner, { waitingFor: transports, until, error, now: record.nextAttemptAt });
      assert.equal(done?.record.nextAttemptAt, until);
    }

    it('wakes a message set aside for a link for hours, and it is claimed at once', async () => {
      const now = Date.now();
      const waiting = sampleRecord({ nextAttemptAt: now, transports: ['t1'] });
      await setAside(waiting, ['t1'], now + 3_600_000);
      assert.deepEqual(await store.claimDue(now, 10, 'a', 30_000), []);
      assert.equal(await store.wakeWaitingFor('t1', now), 1);
      assert.equal(await store.nextDue(), now);
      assert.deepEqual((await store.claimDue(now, 10, 'a', 30_000)).map((r) => r.id), [waiting.id]);
      assert.equal(await store.wakeWaitingFor('t1', now), 0, 'woken once: it waits for no link any more');
    });

    it("wakes the messages that wait for a link when one of their own route's transports comes up, and only those", async () => {
      const forA = sampleRecord({ transports: ['a'] });
      const forAorB = sampleRecord({ transports: ['a', 'b'] });
      const forC = sampleRecord({ transports: ['c'] });
      for (const r of [forA, forAorB, forC]) await setAside(r, r.transports, NOW + 30_000);
      const backingOff = sampleRecord({ nextAttemptAt: NOW + 30_000, error: { code: 'TRANSPORT_TEMPORARY', message: 'throttled' } });
      const scheduled = sampleRecord({ nextAttemptAt: NOW + 30_000 });
      for (const r of [backingOff, scheduled]) await store.insertMessage(r);

      assert.equal(await store.wakeWaitingFor('b', NOW), 1);
      assert.equal((await store.getMessage(forAorB.id))!.nextAttemptAt, NOW);
      assert.equal((await store.getMessage(forA.id))!.nextAttemptAt, NOW + 30_000, 'waits for a, not b');
      assert.deepEqual((await store.claimDue(NOW, 10, 'a', 30_000)).map((r) => r.id), [forAorB.id]);
      assert.equal(await store.wakeWaitingFor('a', NOW), 1, 'the one woken by b waits for a no more');
      assert.equal(await store.wakeWaitingFor('x', NOW), 0);
      assert.equal((await store.getMessage(backingOff.id))!.nextAttemptAt, NOW + 30_000);
      assert.equal((await store.getMessage(scheduled.id))!.nextAttemptAt, NOW + 30_000);
      assert.equal((await store.getMessage(forC.id))!.nextAttemptAt, NOW + 30_000);
    });

    it('keeps a message waiting for its link through a report or a late acceptance of a segment sent before', async () => {
      // Two segments: the first accepted by t1, the second refused as t1 went down, so it waits for t1.
      const message = sampleRecord({ segments: 2, segmentStates: [null, null], transports: ['t1'], nextAttemptAt: NOW });
      await store.insertMessage(message);
      await store.claimDue(NOW, 1, 'a', 30_000);
      await store.acceptSegments(message.id, 'a', { transportId: 't1', segments: [{ segment: 0, providerId: 'p0' }], now: NOW });
      const error = { code: 'TRANSPORT_UNAVAILABLE' as const, message: 'link down' };
      await store.setAside(message.id, 'a', { waitingFor: ['t1'], until: NOW + 3_600_000, error, now: NOW });
      // The first segment's receipt comes meanwhile, then a response for it that was late.
      assert.equal((await store.applyReport(message.id, 0, 'DELIVERED', NOW + 1))?.record.state, 'QUEUED');
      await store.acceptSegments(message.id, 'b', { transportId: 't1', segments: [{ segment: 0, providerId: 'p0-late' }], now: NOW + 2 });
      assert.equal(await store.wakeWaitingFor('t1', NOW + 3), 1, 'still waits for t1');
      assert.deepEqual((await store.claimDue(NOW + 3, 10, 'a', 30_000)).map((r) => r.id), [message.id]);
    });

    it('gives back every field of each message in a backlog of thousands, in order, and after it is set aside', async () => {
      // Thousands, so that the memory store keeps most of them packed (memory.ts). Fields of one
      // type hold different values, so that two swapped in packing would show.
      const records = Array.from({ length: 3000 }, (_, i) =>
        sampleRecord({
          id: `m${String(i).padStart(4, '0')}`,
          idempotencyKey: i % 2 === 0 ? `key-${i}` : null,
          sender: i % 3 === 0 ? null : { kind: 'international', address: '447700900123', ton: 1, npi: 1 },
          text: `"quoted" \\ {{x}} ${'€😀'.repeat(i % 4)} ${i}`,
          encoding: i % 4 === 0 ? 'GSM7' : 'UCS2',
          smart: true,
          nationalLanguages: i % 5 === 0 ? ['turkish'] : [],
          reference16: i % 2 === 0,
          reference: 10 + (i % 7),
          segments: 5,
          tag: `tag ${i}`,
          correlation: i % 2 === 0 ? `order ${i}` : null,
          deliveryReport: i % 2 === 1,
          scheduledAt: i % 6 === 0 ? NOW - 1 : null,
          transportId: i % 2 === 0 ? null : 't1',
          attempts: 1 + (i % 3),
          nextAttemptAt: NOW - 3000 + i,
          createdAt: NOW - 5000,
          updatedAt: NOW - 4000,
          submittedAt: i % 2 === 0 ? null : NOW - 3500,
          segmentStates: i % 2 === 0 ? [null, null] : ['DELIVERED', null],
          providerIds: i % 2 === 0 ? [] : [`p${i}`, `q${i}`],
          error: i % 3 === 0 ? null : { code: 'TRANSPORT_TEMPORARY', message: `throttled ${i}`, providerCode: i % 2 === 0 ? 88 : '0x58' },
        }),
      );
      for (const r of records) await store.insertMessage(r);
      assert.deepEqual(await store.countByState(), { QUEUED: 3000 });
      assert.equal(await store.nextDue(), NOW - 3000);
      assert.deepEqual(await store.getMessage('m2999'), records[2999]);

      const claimed = [];
      for (let batch = await store.claimDue(NOW, 500, 'a', 30_000); batch.length > 0; batch = await store.claimDue(NOW, 500, 'a', 30_000)) {
        claimed.push(...batch);
      }
      assert.deepEqual(claimed, records);

      const down = { code: 'TRANSPORT_UNAVAILABLE' as const, message: 'link down', field: 'transport' };
      const later = Date.now() + 3_600_000;
      for (const r of records) await store.setAside(r.id, 'a', { waitingFor: ['t1'], until: later, error: down, now: NOW + 7 });
      for (const r of [records[0]!, records[1]!, records[2999]!]) {
        assert.deepEqual(await store.getMessage(r.id), { ...r, nextAttemptAt: later, error: down, updatedAt: NOW + 7 });
      }
      assert.equal(await store.nextDue(), later);
      assert.equal(await store.wakeWaitingFor('t1', NOW), 3000);
      assert.deepEqual((await store.claimDue(NOW, 3000, 'b', 30_000)).map((r) => r.id), records.map((r) => r.id));
    });

    it('gives back a message that is done, or submitted with no report to come, as it was stored', async () => {
      const delivered = sampleRecord({ deliveryReport: true });
      const silent = sampleRecord({ deliveryReport: false });
      for (const r of [delivered, silent]) await store.insertMessage(r);
      await store.claimDue(NOW, 10, 'a', 30_000);
      await store.markSubmitted(delivered.id, 'a', { transportId: 't1', providerIds: ['a1'], now: NOW + 1 });
      const done = {
        ...delivered,
        state: 'DELIVERED' as const,
        transportId: 't1',
        providerIds: ['a1'],
        segmentStates: ['DELIVERED' as const],
        attempts: 1,
        submittedAt: NOW + 1,
        doneAt: NOW + 2,
        updatedAt: NOW + 2,
      };
      const submitted = { ...silent, state: 'SUBMITTED' as const, transportId: 't1', providerIds: ['b1'], attempts: 1, submittedAt: NOW + 1, updatedAt: NOW + 1 };
      assert.deepEqual(await store.applyReport(delivered.id, 0, 'DELIVERED', NOW + 2), { record: done, previous: 'SUBMITTED' });
      assert.deepEqual(await store.markSubmitted(silent.id, 'a', { transportId: 't1', providerIds: ['b1'], now: NOW + 1 }), {
        record: submitted,
        previous: 'QUEUED',
      });
      assert.deepEqual(await store.getMessage(delivered.id), done);
      assert.deepEqual(await store.getMessage(silent.id), submitted);
      assert.deepEqual(await store.countByState(), { DELIVERED: 1, SUBMITTED: 1 });
    });

    it('renews the leases its owner still holds, and a lapsed lease is anyone\'s', async () => {
      const a = sampleRecord();
      const b = sampleRecord();
      for (const r of [a, b]) await store.insertMessage(r);
      await store.claimDue(NOW, 10, 'one', 10_000);
      assert.deepEqual((await store.renewLeases([a.id, b.id], 'two', NOW + 50_000)).sort(), [], 'not held by two');
      assert.deepEqual(await store.renewLeases([a.id], 'one', NOW + 50_000), [a.id]);
      // At NOW + 20 s, b's lease (10 s) has lapsed and a's (renewed to 50 s) holds.
      const taken = await store.claimDue(NOW + 20_000, 10, 'two', 10_000);
      assert.deepEqual(taken.map((r) => r.id), [b.id]);
      assert.deepEqual(await store.renewLeases([a.id, b.id], 'one', NOW + 60_000), [a.id], 'b is two\'s now');
      // One's late transitions of b are refused: two holds it.
      const down = { code: 'TRANSPORT_UNAVAILABLE' as const, message: 'down' };
      assert.equal(await store.retry(b.id, 'one', { attempts: 1, at: NOW, error: down, now: NOW }), undefined);
      assert.equal(await store.fail(b.id, 'one', { error: down, now: NOW }), undefined);
      assert.equal(await store.setAside(b.id, 'one', { waitingFor: ['t1'], until: NOW, error: down, now: NOW }), undefined);
      await store.releaseLease(b.id, 'one');
      assert.deepEqual(await store.claimDue(NOW + 20_000, 10, 'three', 10_000), [], 'one cannot release two\'s lease');
      await store.releaseLease(b.id, 'two');
      assert.deepEqual((await store.claimDue(NOW + 20_000, 10, 'three', 10_000)).map((r) => r.id), [b.id]);
    });

    it('applies the outbox transitions only while QUEUED, each ending the lease', async () => {
      const record = sampleRecord();
      await store.insertMessage(record);
      await store.claimDue(NOW, 10, 'a', 30_000);
      const temporary = { code: 'TRANSPORT_TEMPORARY' as const, message: 'throttled' };
      const retried = await store.retry(record.id, 'a', { attempts: 1, at: NOW + 5, error: temporary, now: NOW });
      assert.deepEqual(retried, { record: { ...record, attempts: 1, nextAttemptAt: NOW + 5, error: temporary, updatedAt: NOW }, previous: 'QUEUED' });
      assert.deepEqual((await store.claimDue(NOW + 5, 10, 'b', 30_000)).map((r) => r.id), [record.id], 'the retry ended the lease');
      const submitted = await store.markSubmitted(record.id, 'b', { transportId: 't1', providerIds: ['x'], now: NOW + 6 });
      assert.equal(submitted?.record.state, 'SUBMITTED');
      assert.equal(submitted?.record.attempts, 2);
      assert.equal(await store.markSubmitted(record.id, 'b', { transportId: 't1', providerIds: ['y'], now: NOW + 7 }), undefined);
      assert.equal(await store.fail(record.id, 'b', { error: temporary, now: NOW + 7 }), undefined);
      assert.equal((await store.getMessage(record.id))?.state, 'SUBMITTED');
      assert.equal(await store.markSubmitted('missing', 'b', { transportId: 't1', providerIds: ['z'], now: NOW }), undefined);
      assert.deepEqual(await store.countByState(), { SUBMITTED: 1 });
      assert.equal(await store.nextDue(), null, 'nothing is queued any more');
    });

    it("fails a message for an operator (no owner) only while it is QUEUED under no live lease", async () => {
      const record = sampleRecord();
      await store.insertMessage(record);
      const error = { code: 'TRANSPORT_UNAVAILABLE' as const, message: 'dropped' };
      await store.claimDue(NOW, 10, 'a', 30_000);
      assert.equal(await store.fail(record.id, null, { error, now: NOW + 1 }), undefined, 'a gateway is submitting it');
      const dropped = await store.fail(record.id, null, { error, now: NOW + 30_000 });
      assert.equal(dropped?.record.state, 'FAILED', 'once the lease lapsed');
      assert.equal(await store.fail(record.id, null, { error, now: NOW + 30_001 }), undefined, 'FAILED already');
    });

    it('folds a report that raced ahead of its submit into the submit', async () => {
      const record = sampleRecord({ segments: 2, segmentStates: [null, null] });
      await store.insertMessage(record);
      await store.claimDue(NOW, 10, 'a', 30_000);
      const early = await store.applyReport(record.id, 1, 'DELIVERED', NOW + 1);
      assert.equal(early?.record.state, 'QUEUED');
      assert.deepEqual(await store.claimDue(NOW + 1, 10, 'b', 30_000), [], 'the report left the lease of the message being submitted');
      await store.applyReport(record.id, 0, 'DELIVERED', NOW + 1);
      const submitted = await store.markSubmitted(record.id, 'a', { transportId: 't1', providerIds: ['p0', 'p1'], now: NOW + 2 });
      assert.equal(submitted?.record.state, 'DELIVERED');
      assert.equal(submitted?.previous, 'QUEUED');
    });

    it('records the segments accepted so far under the lease, links them, and is SUBMITTED once all are', async () => {
      const record = sampleRecord({ segments: 3, segmentStates: [null, null, null] });
      await store.insertMessage(record);
      await store.claimDue(NOW, 10, 'a', 30_000);
      const partial = await store.acceptSegments(record.id, 'a', {
        transportId: 't1',
        segments: [{ segment: 0, providerId: 'p0' }, { segment: 2, providerId: 'p2' }],
        now: NOW + 1,
      });
      assert.equal(partial?.record.state, 'QUEUED');
      assert.deepEqual(partial?.record.providerIds, ['p0', null, 'p2']);
      assert.equal(partial?.record.transportId, 't1');
      assert.deepEqual(await store.findByProviderId('t1', 'p2'), [{ messageId: record.id, segment: 2, recipient: record.recipient.e164, linkedAt: NOW + 1 }]);
      assert.deepEqual(await store.renewLeases([record.id], 'a', NOW + 60_000), [record.id], 'the lease holds while segments remain');
      const temporary = { code: 'TRANSPORT_TEMPORARY' as const, message: 'try later' };
      assert.equal((await store.retry(record.id, 'a', { attempts: 1, at: NOW + 5, error: temporary, now: NOW + 2 }))?.record.state, 'QUEUED');
      assert.deepEqual((await store.getMessage(record.id))?.providerIds, ['p0', null, 'p2'], 'kept across the retry');
      await store.claimDue(NOW + 5, 10, 'b', 30_000);
      // A segment accepted twice keeps its first id; the second is linked too, so its receipt finds the message.
      const done = await store.acceptSegments(record.id, 'b', {
        transportId: 't1',
        segments: [{ segment: 2, providerId: 'again' }, { segment: 1, providerId: 'p1' }],
        now: NOW + 6,
      });
      assert.equal(done?.record.state, 'SUBMITTED');
      assert.deepEqual(done?.record.providerIds, ['p0', 'p1', 'p2']);
      assert.equal(done?.record.attempts, 2);
      assert.deepEqual((await store.findByProviderId('t1', 'again')).map((l) => [l.messageId, l.segment]), [[record.id, 2]]);
      assert.deepEqual(await store.renewLeases([record.id], 'b', NOW + 60_000), [], 'SUBMITTED: no lease left to renew');
      assert.equal(await store.acceptSegments(record.id, 'b', { transportId: 't1', segments: [{ segment: 1, providerId: 'late' }], now: NOW + 7 }), undefined);
      assert.deepEqual((await store.findByProviderId('t1', 'late')).map((l) => [l.messageId, l.segment]), [[record.id, 1]], 'linked whatever the state');
      assert.deepEqual(await store.countByState(), { SUBMITTED: 1 });
    });

    it('correlates provider ids per transport and segment', async () => {
      const one = sampleRecord({ id: 'msg-1', segments: 2, segmentStates: [null, null] });
      const two = sampleRecord({ id: 'msg-2' });
      await store.insertMessage(one);
      await store.insertMessage(two);
      await store.claimDue(NOW, 10, 'a', 30_000);
      const updated = await store.markSubmitted('msg-1', 'a', { transportId: 'smsc1', providerIds: ['A1', 'A2'], now: NOW });
      assert.equal(updated?.record.state, 'SUBMITTED', 'the link and the change land together');
      await store.markSubmitted('msg-2', 'a', { transportId: 'smsc2', providerIds: ['A1'], now: NOW });
      const to = one.recipient.e164;
      assert.deepEqual(await store.findByProviderId('smsc1', 'A2'), [{ messageId: 'msg-1', segment: 1, recipient: to, linkedAt: NOW }]);
      assert.deepEqual(await store.findByProviderId('smsc2', 'A1'), [{ messageId: 'msg-2', segment: 0, recipient: to, linkedAt: NOW }]);
      assert.deepEqual(await store.findByProviderId('smsc2', 'A2'), []);
    });

    it('links a provider id the SMSC handed out again to every message it was given to, newest first', async () => {
      // An SMSC that restarted gives id 0a to a new message: the old link stays, the new one comes first.
      const old = sampleRecord({ recipient: { ...sampleRecord().recipient, e164: '+447400000001' } });
      const second = sampleRecord({ recipient: { ...sampleRecord().recipient, e164: '+447400000002' }, segments: 2, segmentStates: [null, null] });
      const third = sampleRecord({ recipient: { ...sampleRecord().recipient, e164: '+447400000003' } });
      for (const r of [old, second, third]) await store.insertMessage(r);
      await store.claimDue(NOW, 10, 'a', 30_000);
      await store.markSubmitted(old.id, 'a', { transportId: 'smsc', providerIds: ['0a'], now: NOW });
      await store.applyReport(old.id, 0, 'DELIVERED', NOW + 1);
      await store.markSubmitted(second.id, 'a', { transportId: 'smsc', providerIds: ['0b', '0a'], now: NOW + 5 });
      await store.markSubmitted(third.id, 'a', { transportId: 'smsc', providerIds: ['0a'], now: NOW + 9 });
      assert.deepEqual(await store.findByProviderId('smsc', '0a'), [
        { messageId: third.id, segment: 0, recipient: '+447400000003', linkedAt: NOW + 9 },
        { messageId: second.id, segment: 1, recipient: '+447400000002', linkedAt: NOW + 5 },
        { messageId: old.id, segment: 0, recipient: '+447400000001', linkedAt: NOW },
      ]);
      assert.deepEqual(await store.findByProviderId('other', '0a'), [], 'per transport');

      // The old one, done, goes at its retention; the others keep the id.
      await store.purge(NOW + 1 + 1000, { finalDays: 0.5 / 86_400, refusedHours: 1, inboundDays: 1 });
      assert.equal(await store.getMessage(old.id), undefined);
      assert.deepEqual((await store.findByProviderId('smsc', '0a')).map((l) => l.messageId), [third.id, second.id]);
      assert.deepEqual((await store.findByProviderId('smsc', '0b')).map((l) => [l.messageId, l.segment]), [[second.id, 0]]);
    });

    it('takes one final report per segment, and with "awaiting" none for a message already final', async () => {
      const record = sampleRecord({ segments: 2, segmentStates: [null, null] });
      await store.insertMessage(record);
      await store.claimDue(NOW, 10, 'a', 30_000);
      await store.markSubmitted(record.id, 'a', { transportId: 't1', providerIds: ['p0', 'p1'], now: NOW });
      const failed = await store.applyReport(record.id, 0, 'UNDELIVERED', NOW + 1, 'awaiting');
      assert.equal(failed?.record.state, 'UNDELIVERED', 'one segment failed: the message failed');
      assert.equal(await store.applyReport(record.id, 0, 'DELIVERED', NOW + 2), undefined, 'segment 0 has its report');
      assert.equal(await store.applyReport(record.id, 1, 'DELIVERED', NOW + 2, 'awaiting'), undefined, 'the message is final');
      assert.equal(await store.applyReport(record.id, 2, 'DELIVERED', NOW + 2), undefined, 'no segment 2');
      const late = await store.applyReport(record.id, 1, 'DELIVERED', NOW + 3, 'unreported');
      assert.deepEqual(late?.record.segmentStates, ['UNDELIVERED', 'DELIVERED'], "segment 1's own report is still recorded");
      assert.equal(late?.record.state, 'UNDELIVERED');
      assert.equal(await store.applyReport(record.id, 1, 'DELIVERED', NOW + 4, 'unreported'), undefined);
      assert.deepEqual((await store.getMessage(record.id))?.segmentStates, ['UNDELIVERED', 'DELIVERED']);
      assert.equal(await store.applyReport('missing', 0, 'DELIVERED', NOW), undefined);
    });

    it('lets exactly one of many interleaved reports for one segment in, whatever their order', async () => {
      const records = Array.from({ length: 20 }, () => sampleRecord());
      for (const r of records) await store.insertMessage(r);
      await store.claimDue(NOW, 20, 'a', 30_000);
      for (const r of records) await store.markSubmitted(r.id, 'a', { transportId: 't1', providerIds: [`p-${r.id}`], now: NOW });
      const states = ['DELIVERED', 'UNDELIVERED', 'EXPIRED', 'REJECTED'] as const;
      // Every report of every message is started before any is awaited.
      const outcomes = await Promise.all(
        records.flatMap((r) => states.map((state) => store.applyReport(r.id, 0, state, NOW + 1, 'awaiting').then((t) => ({ id: r.id, state, t })))),
      );
      for (const r of records) {
        const taken = outcomes.filter((o) => o.id === r.id && o.t !== undefined);
        assert.equal(taken.length, 1, `one report taken for ${r.id}`);
        assert.equal((await store.getMessage(r.id))?.state, taken[0]!.state, 'and it is the one stored');
      }
    });

    it('claims each message once among many interleaved claimers, and renewals and transitions interleave safely', async () => {
      const records = Array.from({ length: 600 }, (_, i) => sampleRecord({ id: `c${String(i).padStart(3, '0')}`, nextAttemptAt: NOW }));
      for (const r of records) await store.insertMessage(r);
      const owners = ['p', 'q', 'r', 's', 't', 'u'];
      const claimedBy = new Map<string, string>();
      // Six callers, each claiming a few, submitting them and renewing what it holds, all at once.
      await Promise.all(
        owners.map(async (owner) => {
          for (let round = 0; round < 200; round++) {
            const batch = await store.claimDue(NOW, 7, owner, 30_000);
            if (batch.length === 0) return;
            for (const r of batch) {
              assert.equal(claimedBy.get(r.id), undefined, `${r.id} claimed by ${claimedBy.get(r.id)} and ${owner}`);
              claimedBy.set(r.id, owner);
            }
            const renewed = await store.renewLeases(batch.map((r) => r.id), owner, NOW + 60_000);
            assert.equal(renewed.length, batch.length);
            await Promise.all(batch.map((r) => store.markSubmitted(r.id, owner, { transportId: 't1', providerIds: [`${r.id}-p`], now: NOW })));
          }
        }),
      );
      assert.equal(claimedBy.size, 600);
      assert.ok(new Set(claimedBy.values()).size > 1, 'the claims were shared out');
      assert.deepEqual(await store.countByState(), { SUBMITTED: 600 });
    });

    it('purges final messages, refused ones and inbound messages past their retention, with their links and keys', async () => {
      const DAY = 86_400_000;
      const policy = { finalDays: 7, refusedHours: 24, inboundDays: 3 };
      const old = sampleRecord({ idempotencyKey: 'old' });
      const recent = sampleRecord();
      const refused = sampleRecord({ state: 'REJECTED', doneAt: NOW, error: { code: 'RATE_LIMITED', message: 'cap' } });
      const queued = sampleRecord({ createdAt: NOW - 30 * DAY });
      for (const r of [old, recent, refused, queued]) await store.insertMessage(r);
      await store.claimDue(NOW, 2, 'a', 30_000);
      await store.markSubmitted(old.id, 'a', { transportId: 't1', providerIds: ['old-1'], now: NOW });
      await store.applyReport(old.id, 0, 'DELIVERED', NOW);
      await store.markSubmitted(recent.id, 'a', { transportId: 't1', providerIds: ['recent-1'], now: NOW + 6 * DAY });
      await store.applyReport(recent.id, 0, 'UNDELIVERED', NOW + 6 * DAY);
      await store.saveInbound({ transportId: 't1', from: '+447400123456', to: '1', text: 'old', receivedAt: NOW });
      await store.saveInbound({ transportId: 't1', from: '+447400123456', to: '1', text: 'new', receivedAt: NOW + 5 * DAY });

      assert.deepEqual(await store.purge(NOW + DAY - 1, policy), { messages: 0, inbound: 0 }, 'nothing is old enough yet');
      assert.deepEqual(await store.purge(NOW + DAY + 1, policy), { messages: 1, inbound: 0 }, 'the refused one goes after a day');
      assert.equal(await store.getMessage(refused.id), undefined);
      assert.deepEqual(await store.purge(NOW + 7 * DAY + 1, policy), { messages: 1, inbound: 1 });
      assert.equal(await store.getMessage(old.id), undefined);
      assert.deepEqual(await store.findByProviderId('t1', 'old-1'), [], 'its provider links went with it');
      assert.deepEqual((await store.findByProviderId('t1', 'recent-1')).map((l) => [l.messageId, l.segment]), [[recent.id, 0]]);
      assert.equal((await store.getMessage(queued.id))?.state, 'QUEUED', 'the outbox is never purged');
      assert.deepEqual((await store.listInbound(10)).map((m) => m.text), ['new']);
      assert.deepEqual(await store.countByState(), { QUEUED: 1, UNDELIVERED: 1 });
      assert.deepEqual(await store.purge(NOW + 7 * DAY + 1, policy), { messages: 0, inbound: 0 }, 'purging again changes nothing');
      const again = await store.insertMessage(sampleRecord({ idempotencyKey: 'old' }));
      assert.equal(again.created, true, 'the purged message\'s idempotency key is free again');
    });

    it('keeps the parts of inbound messages until all are there, or they grow stale', async () => {
      const part = (sequence: number, from = '+447400123456', receivedAt = 1000) => ({
        transportId: 't', from, to: '60000', text: `p${sequence}`, receivedAt, reference: 9, total: 3, sequence,
      });
      assert.equal(await store.addInboundPart(part(2)), null);
      assert.equal(await store.addInboundPart(part(2)), null, 'a repeated part is ignored');
      assert.equal(await store.addInboundPart(part(1, '+447400999999', 5000)), null, 'another sender is another message');
      assert.equal(await store.addInboundPart(part(3)), null);
      const whole = await store.addInboundPart(part(1));
      assert.deepEqual(whole?.map((p) => p.text), ['p1', 'p2', 'p3']);

      assert.deepEqual(await store.takeStaleInboundParts(5000), [], 'the other message is not stale yet');
      const stale = await store.takeStaleInboundParts(5001);
      assert.deepEqual(stale.map((parts) => parts.map((p) => p.from)), [['+447400999999']]);
      assert.deepEqual(await store.takeStaleInboundParts(Infinity), [], 'taken parts are gone');
    });

    it('keeps inbound messages newest first, and the opt-out list', async () => {
      await store.saveInbound({ transportId: 't', from: '+447400123456', to: '123', text: 'one', receivedAt: 1 });
      await store.saveInbound({ transportId: 't', from: '+447400123456', to: '123', text: 'two', receivedAt: 2 });
      const inbound = await store.listInbound(10);
      assert.deepEqual(inbound.map((m) => m.text), ['two', 'one']);
      assert.ok(inbound.every((m) => typeof m.id === 'string' && m.id.length > 0));

      assert.equal(await store.isOptedOut('+447400123456'), false);
      await store.setOptOut('+447400123456', true);
      assert.equal(await store.isOptedOut('+447400123456'), true);
      await store.setOptOut('+447400123456', false);
      assert.equal(await store.isOptedOut('+447400123456'), false);
    });

    it('keeps notes by key, replaces and removes them', async () => {
      assert.equal(await store.readNote('modem.pin-refused:iccid:8944'), undefined);
      await store.writeNote('modem.pin-refused:iccid:8944', 'one');
      await store.writeNote('modem.pin-refused:path:/dev/ttyUSB0', 'other');
      assert.equal(await store.readNote('modem.pin-refused:iccid:8944'), 'one');
      await store.writeNote('modem.pin-refused:iccid:8944', 'two');
      assert.equal(await store.readNote('modem.pin-refused:iccid:8944'), 'two');
      await store.writeNote('modem.pin-refused:iccid:8944', null);
      assert.equal(await store.readNote('modem.pin-refused:iccid:8944'), undefined);
      assert.equal(await store.readNote('modem.pin-refused:path:/dev/ttyUSB0'), 'other', 'other notes are left alone');
      await store.writeNote('never-written', null);
    });
  });
}

for (const kind of ['sqlite', 'redis'] as const) describe(`${kind} store shared by two connections (two processes)`, () => {
  let dir: string;
  let one: Store;
  let two: Store;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-store-'));
    const prefix = freshPrefix();
    one = await newStore(kind, dir, prefix);
    two = await newStore(kind, dir, prefix);
    await one.open();
    await two.open();
  });

  afterEach(async () => {
    await one.close();
    await two.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("bases each transition on the other's latest change, not on a record it read before", async () => {
    const record = sampleRecord({ segments: 2, segmentStates: [null, null] });
    await one.insertMessage(record);
    await one.claimDue(NOW, 10, 'one', 30_000);
    await one.markSubmitted(record.id, 'one', { transportId: 't1', providerIds: ['a', 'b'], now: NOW });
    await two.applyReport(record.id, 0, 'DELIVERED', NOW + 1);
    const seen = await one.applyReport(record.id, 1, 'DELIVERED', NOW + 2);
    assert.equal(seen?.record.state, 'DELIVERED', 'one folded two\'s report of segment 0');
    assert.deepEqual(await two.getMessage(record.id), seen?.record);
  });

  it("lets one of two connections record a segment's report, never both", async () => {
    const records = Array.from({ length: 10 }, () => sampleRecord());
    for (const r of records) await one.insertMessage(r);
    await one.claimDue(NOW, 10, 'one', 30_000);
    for (const r of records) await one.markSubmitted(r.id, 'one', { transportId: 't1', providerIds: [`p-${r.id}`], now: NOW });
    for (const r of records) {
      const [a, b] = await Promise.all([
        one.applyReport(r.id, 0, 'DELIVERED', NOW + 1, 'awaiting'),
        two.applyReport(r.id, 0, 'UNDELIVERED', NOW + 1, 'awaiting'),
      ]);
      assert.equal([a, b].filter((t) => t !== undefined).length, 1, 'exactly one connection took it');
      assert.equal((await two.getMessage(r.id))?.state, (a ?? b)!.record.state);
    }
  });

  it('puts the parts of an inbound message that arrive at two connections together once', async () => {
    const part = (message: number, sequence: number) => ({
      transportId: 't', from: `+4474001234${String(message).padStart(2, '0')}`, to: '60000', text: `m${message} p${sequence}`,
      receivedAt: 1000 + sequence, reference: 7, total: 3, sequence,
    });
    // The parts of 20 messages, each part to one of the two connections (an SMSC hands each to
    // whichever bind it likes), all in flight together.
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, m) => [1, 2, 3].map((sequence) => ((m + sequence) % 2 === 0 ? one : two).addInboundPart(part(m, sequence)))).flat(),
    );
    const wholes = outcomes.filter((parts) => parts !== null);
    assert.equal(wholes.length, 20, 'each message completed once');
    for (const parts of wholes) {
      const message = parts![0]!.from.slice(-2);
      assert.deepEqual(parts!.map((p) => p.text), [1, 2, 3].map((sequence) => `m${Number(message)} p${sequence}`));
    }
    assert.deepEqual(await two.takeStaleInboundParts(Infinity), [], 'nothing left over');
  });

  it("refuses a transition by the owner whose lease lapsed and another connection took", async () => {
    const record = sampleRecord();
    await one.insertMessage(record);
    await one.claimDue(NOW, 10, 'one', 1000);
    assert.deepEqual((await two.claimDue(NOW + 1000, 10, 'two', 1000)).map((r) => r.id), [record.id]);
    const error = { code: 'TRANSPORT_TEMPORARY' as const, message: 'x' };
    assert.equal(await one.retry(record.id, 'one', { attempts: 1, at: NOW, error, now: NOW }), undefined);
    assert.deepEqual(await one.renewLeases([record.id], 'one', NOW + 5000), []);
    assert.equal((await two.retry(record.id, 'two', { attempts: 1, at: NOW + 5, error, now: NOW }))?.record.attempts, 1);
  });

  it('two processes claiming from one store at once take each message exactly once', async function () {
    this.timeout(60_000);
    const total = 1500;
    for (let i = 0; i < total; i++) await one.insertMessage(sampleRecord({ id: `m${i}`, nextAttemptAt: NOW }));
    const spec = await storeSpec(one);
    const children = ['p1', 'p2'].map((owner) => claimInChild(spec, owner));
    await Promise.all(children.map((child) => child.ready));
    for (const child of children) child.go();
    // Each holds a first batch while the other holds its own; from there on they race freely.
    await Promise.all(children.map((child) => child.holdsBatch));
    for (const child of children) child.goOn();
    const claimed = await Promise.all(children.map((child) => child.claimed));
    const all = [...claimed[0]!, ...claimed[1]!];
    assert.equal(all.length, total, `claimed ${claimed[0]!.length} + ${claimed[1]!.length}`);
    assert.equal(new Set(all).size, total, 'no message claimed by both');
    assert.ok(claimed[0]!.length > 0 && claimed[1]!.length > 0, 'both processes took part');
    assert.deepEqual(await two.countByState(), { SUBMITTED: total });
  });
});

describe('sqlite store made before retention', () => {
  it('gives the done messages of an older file their resting time when it is opened, so they are purged too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsgate-store-'));
    try {
      const path = join(dir, 'gw.db');
      const store = new SqliteStore(path);
      await store.open();
      const [done, queued] = [sampleRecord(), sampleRecord()];
      for (const r of [done, queued]) await store.insertMessage(r);
      await store.claimDue(NOW, 1, 'a', 30_000);
      await store.markSubmitted(done.id, 'a', { transportId: 't1', providerIds: ['p'], now: NOW });
      await store.applyReport(done.id, 0, 'DELIVERED', NOW);
      await store.close();
      // As a file from before the columns existed.
      const { DatabaseSync } = await import('node:sqlite');
      const raw = new DatabaseSync(path);
      raw.exec('DROP INDEX messages_resting; ALTER TABLE messages DROP COLUMN rest_at; ALTER TABLE messages DROP COLUMN refused;');
      raw.close();

      const reopened = new SqliteStore(path);
      await reopened.open();
      const policy = { finalDays: 1, refusedHours: 1, inboundDays: 1 };
      assert.deepEqual(await reopened.purge(NOW + 86_400_001, policy), { messages: 1, inbound: 0 });
      assert.equal(await reopened.getMessage(done.id), undefined);
      assert.equal((await reopened.getMessage(queued.id))?.state, 'QUEUED');
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite store across a reopen', () => {
  it('moves the links of a file made before several messages could share a provider id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsgate-store-'));
    try {
      const path = join(dir, 'gw.db');
      const first = new SqliteStore(path);
      await first.open();
      const record = sampleRecord();
      await first.insertMessage(record);
      await first.claimDue(NOW, 1, 'a', 30_000);
      await first.markSubmitted(record.id, 'a', { transportId: 'smsc1', providerIds: ['0a1b'], now: NOW + 7 });
      await first.close();
      // The file as the previous release left it: provider_ids, one message per (transport, provider id).
      const { DatabaseSync } = require('node:sqlite') as typeof import('node:sqlite');
      const db = new DatabaseSync(path);
      db.exec(`DROP TABLE provider_links;
        CREATE TABLE provider_ids (transport_id TEXT NOT NULL, provider_id TEXT NOT NULL, message_id TEXT NOT NULL,
          segment INTEGER NOT NULL, PRIMARY KEY (transport_id, provider_id)) WITHOUT ROWID;`);
      db.prepare('INSERT INTO provider_ids VALUES (?, ?, ?, ?)').run('smsc1', '0a1b', record.id, 0);
      db.close();

      const second = new SqliteStore(path);
      const third = new SqliteStore(path); // a second process opening the same file
      await Promise.all([second.open(), third.open()]);
      const link = { messageId: record.id, segment: 0, recipient: record.recipient.e164, linkedAt: NOW + 7 };
      assert.deepEqual(await second.findByProviderId('smsc1', '0a1b'), [link]);
      assert.deepEqual(await third.findByProviderId('smsc1', '0a1b'), [link]);
      await Promise.all([second.close(), third.close()]);
      const check = new DatabaseSync(path);
      const tables = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'provider%'").all();
      check.close();
      assert.deepEqual(tables.map((t) => t.name), ['provider_links'], 'the old table is gone');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still has the outbox and the correlation after close and open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsgate-store-'));
    try {
      const path = join(dir, 'gw.db');
      const first = new SqliteStore(path);
      await first.open();
      const record = sampleRecord();
      await first.insertMessage(record);
      await first.claimDue(NOW, 1, 'a', 30_000);
      const submitted = await first.markSubmitted(record.id, 'a', { transportId: 'smsc1', providerIds: ['0a1b'], now: NOW });
      await first.setOptOut('+447400000001', true);
      await first.writeNote('modem.pin-refused:iccid:8944', 'fingerprint');
      await first.close();

      const second = new SqliteStore(path);
      await second.open();
      assert.deepEqual(await second.getMessage(record.id), submitted?.record);
      assert.deepEqual(await second.findByProviderId('smsc1', '0a1b'), [
        { messageId: record.id, segment: 0, recipient: record.recipient.e164, linkedAt: NOW },
      ]);
      assert.equal(await second.isOptedOut('+447400000001'), true);
      assert.equal(await second.readNote('modem.pin-refused:iccid:8944'), 'fingerprint');
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// --- rate quotas (takeQuota) and the states waiters poll (messageStates) ------------------------

for (const kind of ['memory', 'sqlite', 'redis'] as const) {
  describe(`${kind} store: rate quotas and watched states`, () => {
    let store: Store;
    const HOUR = 3_600_000;
    const recipientCap = (max: number): QuotaCap => ({ key: 'recipient:+447700900123', windowMs: HOUR, max });
    const prefixCap = (max: number): QuotaCap => ({ key: 'prefix:+4477009', windowMs: 60_000, max });

    freshStoreEach(kind, (opened) => (store = opened));

    it('takes up to max events per key within the window, and again as the oldest leave it', async () => {
      const taken = [];
      for (let i = 0; i < 4; i++) taken.push((await store.takeQuota([recipientCap(3)], NOW + i * 1000, `t${i}`)).taken);
      assert.deepEqual(taken, [true, true, true, false]);
      assert.deepEqual(await store.takeQuota([recipientCap(3)], NOW + HOUR - 1, 'late'), { taken: false, refusedBy: 0 });
      // The first event (at NOW) is out of the window at NOW + HOUR: exactly one slot is free.
      assert.deepEqual(await store.takeQuota([recipientCap(3)], NOW + HOUR, 'a'), { taken: true });
      assert.deepEqual(await store.takeQuota([recipientCap(3)], NOW + HOUR, 'b'), { taken: false, refusedBy: 0 });
      assert.deepEqual(await store.takeQuota([{ ...recipientCap(3), key: 'recipient:+447700900999' }], NOW, 'c'), { taken: true }, 'other keys count apart');
    });

    it('counts under every cap only when all have room, and names the cap that refused', async () => {
      assert.deepEqual(await store.takeQuota([recipientCap(5), prefixCap(2)], NOW, 'a'), { taken: true });
      assert.deepEqual(await store.takeQuota([recipientCap(1), prefixCap(2)], NOW, 'b'), { taken: false, refusedBy: 0 });
      // b was refused: it used none of the prefix's room.
      assert.deepEqual(await store.takeQuota([{ ...recipientCap(5), key: 'recipient:+447700900124' }, prefixCap(2)], NOW, 'c'), { taken: true });
      assert.deepEqual(await store.takeQuota([recipientCap(5), prefixCap(2)], NOW, 'd'), { taken: false, refusedBy: 1 });
      assert.deepEqual(await store.takeQuota([recipientCap(5)], NOW, 'e'), { taken: true }, 'd was not counted under the recipient either');
      assert.deepEqual(await store.takeQuota([recipientCap(2)], NOW, 'f'), { taken: false, refusedBy: 0 }, 'a and e are there');
    });

    it('counts a token once however often it is taken, until its event leaves the window', async () => {
      for (let i = 0; i < 5; i++) assert.deepEqual(await store.takeQuota([recipientCap(2), prefixCap(10)], NOW + i, 'key:order-17'), { taken: true });
      assert.deepEqual(await store.takeQuota([recipientCap(2)], NOW, 'other'), { taken: true });
      assert.deepEqual(await store.takeQuota([recipientCap(2)], NOW, 'key:order-17'), { taken: true }, 'a full cap still lets a counted token by');
      assert.deepEqual(await store.takeQuota([recipientCap(2)], NOW, 'third'), { taken: false, refusedBy: 0 });
    });

    it('lets interleaved callers take exactly the slots there are, never both the last one', async () => {
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => store.takeQuota([recipientCap(7), prefixCap(100)], NOW, `t${i}`)));
      assert.equal(results.filter((r) => r.taken).length, 7);
      const last = await Promise.all([store.takeQuota([recipientCap(8)], NOW, 'x'), store.takeQuota([recipientCap(8)], NOW, 'y')]);
      assert.deepEqual(last.map((r) => r.taken).sort(), [false, true]);
    });

    it('forgets events older than their window', async () => {
      for (let i = 0; i < 200; i++) await store.takeQuota([{ key: `recipient:${i}`, windowMs: 1000, max: 1 }], NOW, `t${i}`);
      // Long after: every old key is empty again, and (bounded) they take no room.
      for (let i = 0; i < 200; i++) assert.equal((await store.takeQuota([{ key: `recipient:${i}`, windowMs: 1000, max: 1 }], NOW + 5000, `u${i}`)).taken, true);
      if (store instanceof SqliteStore) {
        const rows = (store as unknown as { sql(text: string): { get(): { n: number } } }).sql('SELECT COUNT(*) AS n FROM quota_events').get().n;
        assert.ok(rows <= 200, `${rows} events kept after 400 taken, 200 of them expired`);
      }
      if (store instanceof RedisStore) {
        const command = (store as unknown as { command(args: string[]): Promise<number> }).command.bind(store);
        let events = 0;
        for (let i = 0; i < 200; i++) events += await command(['ZCARD', `{${store.prefix}}:quota:recipient:${i}`]);
        assert.equal(events, 200, 'each key keeps only its event in the window');
      }
    });

    it('gives the stored state of the messages asked for, leaving out unknown ids', async () => {
      const [a, b] = [sampleRecord(), sampleRecord()];
      for (const r of [a, b]) await store.insertMessage(r);
      await store.claimDue(NOW, 10, 'a', 30_000);
      await store.markSubmitted(b.id, 'a', { transportId: 't1', providerIds: ['b1'], now: NOW });
      await store.applyReport(b.id, 0, 'DELIVERED', NOW);
      await store.releaseLease(a.id, 'a');
      assert.deepEqual(await store.messageStates([a.id, b.id, 'nope']), new Map([[a.id, 'QUEUED'], [b.id, 'DELIVERED']]));
      assert.deepEqual(await store.messageStates([]), new Map());
    });
  });
}

// --- an SMSC account's submit rate across processes (takeSubmitSlot, pauseSubmits) -------------

for (const kind of ['memory', 'sqlite', 'redis'] as const) {
  describe(`${kind} store: submit slots of an SMSC account`, () => {
    let store: Store;
    const ACCOUNT = 'smpp:127.0.0.1:2775:account';

    freshStoreEach(kind, (opened) => (store = opened));

    it('takes perSecond slots in any one-second span, at least the gap apart, and says exactly how long to wait', async () => {
      const take = (at: number, account = ACCOUNT) => store.takeSubmitSlot(account, 4, NOW + at);
      // 4 a second: the gap is 125 ms.
      assert.equal(await take(0), 0);
      assert.equal(await take(10), 115, 'the gap after the newest slot');
      assert.deepEqual([await take(125), await take(250), await take(375)], [0, 0, 0]);
      assert.equal(await take(500), 500, 'four taken in the last second: wait for the oldest to be a second old');
      assert.equal(await take(999), 1);
      assert.equal(await take(1000), 0, 'the oldest (at 0) left the span');
      assert.equal(await take(1125), 0, 'the next oldest (at 125) left it, and the gap has passed');
      assert.equal(await take(1130), 120);
      assert.equal(await take(1130, 'smpp:127.0.0.1:2775:other'), 0, 'another account has its own slots');
    });

    it('pauses every taker of the account until the latest pause; an earlier one does not shorten it', async () => {
      await store.pauseSubmits(ACCOUNT, NOW + 3000, NOW);
      assert.equal(await store.takeSubmitSlot(ACCOUNT, 10, NOW), 3000);
      await store.pauseSubmits(ACCOUNT, NOW + 1000, NOW + 5);
      assert.equal(await store.takeSubmitSlot(ACCOUNT, 10, NOW + 10), 2990);
      assert.equal(await store.takeSubmitSlot('smpp:127.0.0.1:2775:other', 10, NOW + 10), 0, 'another account is not paused');
      assert.equal(await store.takeSubmitSlot(ACCOUNT, 10, NOW + 2999), 1);
      assert.equal(await store.takeSubmitSlot(ACCOUNT, 10, NOW + 3000), 0);
    });

    it('holds callers asking with different rates each to its own, over the same slots', async () => {
      for (let i = 0; i < 10; i++) assert.equal(await store.takeSubmitSlot(ACCOUNT, 10, NOW + i * 50), 0);
      // At 5 a second, the 5th newest (at 250) must be a second old.
      assert.equal(await store.takeSubmitSlot(ACCOUNT, 5, NOW + 600), 650);
      // At 20 a second there is room (10 taken), once the gap (25 ms) after the newest (at 450) has passed.
      assert.equal(await store.takeSubmitSlot(ACCOUNT, 20, NOW + 600), 0);
      // At 10 a second again: the 10th newest is now the one at 50.
      assert.equal(await store.takeSubmitSlot(ACCOUNT, 10, NOW + 625), 425);
    });

    it('gives interleaved callers at most perSecond slots in any one-second span, and uses the rate fully', async () => {
      const perSecond = 25;
      // Six callers, each asking again when the store said, or soon after a slot; the callers due
      // at the same moment ask together (interleaved in the store). A fake clock, 10 s of it.
      const nextAsk = Array.from({ length: 6 }, (_, i) => NOW + i);
      const granted: number[] = [];
      let jitter = 7;
      for (let round = 0; round < 20_000; round++) {
        const at = Math.min(...nextAsk);
        if (at >= NOW + 10_000) break;
        const asking = nextAsk.flatMap((t, caller) => (t === at ? [caller] : []));
        const waits = await Promise.all(asking.map(() => store.takeSubmitSlot(ACCOUNT, perSecond, at)));
        asking.forEach((caller, i) => {
          jitter = (jitter * 31 + 11) % 17;
          if (waits[i] === 0) granted.push(at);
          nextAsk[caller] = at + (waits[i] === 0 ? jitter : waits[i]!);
        });
      }
      const most = mostInSpan(granted, 1000);
      assert.ok(most <= perSecond, `${most} slots in one second`);
      assert.equal(granted.length, new Set(granted).size, 'no two slots at one moment (the gap)');
      assert.ok(granted.length >= 9 * perSecond, `${granted.length} slots in 10 s at ${perSecond} a second`);
    });

    it('keeps no more than perSecond slot times per account', async () => {
      for (let i = 0; i < 200; i++) await store.takeSubmitSlot(ACCOUNT, 5, NOW + i * 1000);
      if (store instanceof SqliteStore) {
        const rows = (store as unknown as { sql(text: string): { get(): { n: number } } }).sql('SELECT COUNT(*) AS n FROM submit_slots').get().n;
        assert.equal(rows, 5);
      }
      if (store instanceof RedisStore) {
        const command = (store as unknown as { command(args: string[]): Promise<number> }).command.bind(store);
        assert.equal(await command(['LLEN', `{${store.prefix}}:slots:${ACCOUNT}`]), 5);
      }
      // What is kept still holds the rate: five more at once, one by one the gap apart, then a wait.
      for (let i = 0; i < 5; i++) assert.equal(await store.takeSubmitSlot(ACCOUNT, 5, NOW + 300_000 + i * 100), 0);
      assert.equal(await store.takeSubmitSlot(ACCOUNT, 5, NOW + 300_500), 500);
    });
  });
}

// --- the event feed: consumer groups across processes -------------------------------------------

/** Events of each kind, told apart by their text, provider id or message id. */
function inboundEvent(text: string): FeedPayload {
  return { kind: 'inbound', message: { id: `in-${text}`, transportId: 't1', from: '+447400123456', to: '60000', text, receivedAt: NOW } };
}
function reportEvent(providerId: string): FeedPayload {
  return { kind: 'report', report: { transportId: 't1', providerId, state: 'DELIVERED' }, message: sampleRecord({ id: `m-${providerId}`, state: 'DELIVERED' }) };
}
function stateEvent(id: string): FeedPayload {
  return { kind: 'state', message: sampleRecord({ id, state: 'SUBMITTED' }), previous: 'QUEUED' };
}
/** What tells an event apart in these tests. */
function nameOf(event: FeedEvent): string {
  const payload = event.payload;
  return payload.kind === 'inbound' ? payload.message.text : payload.kind === 'report' ? payload.report.providerId : payload.message.id;
}

for (const kind of ['memory', 'sqlite', 'redis'] as const) {
  describe(`${kind} store: the event feed`, () => {
    let store: Store;
    const LEASE = 10_000;

    freshStoreEach(kind, (opened) => (store = opened));

    it('gives back each kind of event as appended, in order, with an id to acknowledge it by', async () => {
      await store.joinFeed('flow', ['state', 'report', 'inbound'], NOW);
      const events = [inboundEvent('hi'), reportEvent('p1'), stateEvent('m1')];
      await store.appendEvents(events, NOW, 1000);
      const read = (await store.readFeed(['flow'], 'c1', NOW, LEASE, 10)).get('flow')!;
      assert.deepEqual(read.map((e) => e.payload), JSON.parse(JSON.stringify(events)));
      assert.deepEqual(read.map((e) => [e.at, e.redelivered]), [[NOW, false], [NOW, false], [NOW, false]]);
      assert.equal(new Set(read.map((e) => e.id)).size, 3);
    });

    it('hands each event to one consumer of a group, and every group gets every event of its kinds', async () => {
      await store.joinFeed('status-node', ['report', 'inbound'], NOW);
      await store.joinFeed('state-node', ['state'], NOW);
      assert.deepEqual([...(await store.feedKinds())].sort(), ['inbound', 'report', 'state']);
      await store.appendEvents([reportEvent('p1'), stateEvent('m1'), inboundEvent('a'), reportEvent('p2'), stateEvent('m2')], NOW, 1000);
      const first = await store.readFeed(['status-node', 'state-node'], 'c1', NOW, LEASE, 2);
      const second = await store.readFeed(['status-node', 'state-node'], 'c2', NOW, LEASE, 2);
      const third = await store.readFeed(['status-node', 'state-node'], 'c3', NOW, LEASE, 2);
      const of = (listener: string) => [first, second, third].flatMap((read) => (read.get(listener) ?? []).map(nameOf));
      assert.deepEqual(of('status-node'), ['p1', 'a', 'p2'], 'once each, in order, across consumers');
      assert.deepEqual(of('state-node'), ['m1', 'm2']);
      assert.deepEqual(first.get('status-node')!.map(nameOf), ['p1', 'a'], 'limit per listener');
      assert.equal(third.has('state-node'), false, 'a listener with nothing is left out');
      assert.equal((await store.readFeed(['nobody'], 'c1', NOW, LEASE, 10)).size, 0, 'no group, no events');
    });

    it('places a new group at the end of the feed; one that joins again keeps its place and gets what came meanwhile', async () => {
      await store.appendEvents([reportEvent('before')], NOW, 1000);
      await store.joinFeed('flow', ['report'], NOW);
      await store.appendEvents([reportEvent('after')], NOW, 1000);
      const read = await store.readFeed(['flow'], 'c1', NOW, LEASE, 10);
      await store.ackFeed('flow', read.get('flow')!.map((e) => e.id));
      assert.deepEqual(read.get('flow')!.map(nameOf), ['after']);
      // No process listens (a redeploy, a restart); what comes meanwhile waits for the group.
      await store.appendEvents([reportEvent('while-away')], NOW + 1, 1000);
      await store.joinFeed('flow', ['report', 'inbound'], NOW + 2);
      await store.appendEvents([inboundEvent('back')], NOW + 3, 1000);
      assert.deepEqual((await store.readFeed(['flow'], 'c2', NOW + 3, LEASE, 10)).get('flow')!.map(nameOf), ['while-away', 'back']);
    });

    it('hands an event whose lease lapsed unacknowledged to another consumer, marked redelivered; an acknowledged one never', async () => {
      await store.joinFeed('flow', ['report'], NOW);
      await store.appendEvents(['p1', 'p2', 'p3'].map(reportEvent), NOW, 1000);
      const held = (await store.readFeed(['flow'], 'dies', NOW, 1000, 10)).get('flow')!;
      await store.ackFeed('flow', [held[1]!.id]); // it handled p2, then died
      assert.equal((await store.readFeed(['flow'], 'other', NOW + 999, 1000, 10)).size, 0, 'leased until NOW + 1000');
      const taken = (await store.readFeed(['flow'], 'other', NOW + 1000, 1000, 10)).get('flow')!;
      assert.deepEqual(taken.map((e) => [nameOf(e), e.redelivered]), [['p1', true], ['p3', true]]);
      await store.ackFeed('flow', taken.map((e) => e.id));
      await store.ackFeed('flow', [held[0]!.id]); // the first holder's late ack: harmless
      assert.equal((await store.readFeed(['flow'], 'third', NOW + 60_000, 1000, 10)).size, 0, 'all acknowledged');
    });

    it('lets interleaved consumers of one group, and of two groups, take each event exactly once per group', async () => {
      await store.joinFeed('a', ['report', 'inbound'], NOW);
      await store.joinFeed('b', ['report'], NOW);
      const total = 300;
      const reports = 180; // of each ten, four inbound (j % 3 === 0) and six reports
      const appending = (async () => {
        for (let i = 0; i < total; i += 10) {
          await store.appendEvents(Array.from({ length: 10 }, (_, j) => (j % 3 === 0 ? inboundEvent(`i${i + j}`) : reportEvent(`r${i + j}`))), NOW, 10_000);
        }
      })();
      const seen = { a: [] as string[], b: [] as string[] };
      // Five consumers polling at once, while events are appended; each bounded in rounds.
      const consumers = ['c1', 'c2', 'c3', 'c4', 'c5'].map(async (consumer) => {
        for (let round = 0; round < 2000 && seen.a.length + seen.b.length < total + reports; round++) {
          const read = await store.readFeed(['a', 'b'], consumer, NOW, LEASE, 7);
          for (const [listener, events] of read) {
            seen[listener as 'a' | 'b'].push(...events.map(nameOf));
            await store.ackFeed(listener, events.map((e) => e.id));
          }
          if (read.size === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      });
      await Promise.all([appending, ...consumers]);
      assert.equal(seen.a.length, total, 'group a: every event once');
      assert.equal(new Set(seen.a).size, total);
      assert.equal(seen.b.length, reports, 'group b: every report once');
      assert.equal(new Set(seen.b).size, reports);
      assert.ok(seen.b.every((name) => name.startsWith('r')), 'b gets only its kind');
    });

    it('keeps at most the newest maxEvents, also for a group that had not read them', async () => {
      await store.joinFeed('flow', ['report'], NOW);
      for (let i = 0; i < 30; i++) await store.appendEvents([reportEvent(`p${i}`)], NOW, 10);
      const held = (await store.readFeed(['flow'], 'c1', NOW, 1000, 100)).get('flow')!;
      assert.deepEqual(held.map(nameOf), Array.from({ length: 10 }, (_, i) => `p${20 + i}`));
      // The held events are trimmed away before anyone acknowledges them: their leases go too.
      await store.appendEvents(Array.from({ length: 10 }, (_, i) => reportEvent(`q${i}`)), NOW, 10);
      const after = (await store.readFeed(['flow'], 'c2', NOW + 5000, 1000, 100)).get('flow')!;
      assert.deepEqual(after.map((e) => [nameOf(e), e.redelivered]), Array.from({ length: 10 }, (_, i) => [`q${i}`, false]));
    });

    it('trims events appended before the cutoff, their leases, and groups not joined since', async () => {
      const HOUR = 3_600_000;
      await store.joinFeed('gone', ['state'], NOW);
      await store.joinFeed('flow', ['report'], NOW);
      await store.appendEvents([reportEvent('old1'), reportEvent('old2')], NOW, 1000);
      await store.readFeed(['flow'], 'c1', NOW, 1000, 1); // old1 held, never acknowledged
      await store.appendEvents([reportEvent('new')], NOW + 2 * HOUR, 1000);
      await store.joinFeed('flow', ['report'], NOW + 2 * HOUR);
      assert.equal(await store.trimFeed(NOW + HOUR), 2);
      assert.equal(await store.trimFeed(NOW + HOUR), 0, 'idempotent');
      assert.deepEqual([...(await store.feedKinds())], ['report'], 'the group not joined since the cutoff is gone');
      const read = (await store.readFeed(['flow', 'gone'], 'c2', NOW + 3 * HOUR, 1000, 10));
      assert.deepEqual([...read.keys()], ['flow']);
      assert.deepEqual(read.get('flow')!.map(nameOf), ['new'], 'old1 (held) and old2 went with the trim');
    });

    it('appends a delivery report once, however often it is appended, also after it was handed on and dropped', async () => {
      await store.joinFeed('flow', ['state', 'report', 'inbound'], NOW);
      // The same report: in one call, in another after its event was acknowledged (and so
      // dropped), and with the provider id spelled as another process reads it (hex, decimal).
      const hex: FeedPayload = { kind: 'report', report: { transportId: 't1', providerId: '1a', alternateIds: ['26'], state: 'DELIVERED' }, message: sampleRecord({ id: 'm-x', state: 'DELIVERED' }) };
      const decimal: FeedPayload = { kind: 'report', report: { transportId: 't1', providerId: '26', alternateIds: ['1a'], state: 'DELIVERED' }, message: sampleRecord({ id: 'm-x', state: 'DELIVERED' }) };
      await store.appendEvents([reportEvent('p1'), reportEvent('p1'), hex], NOW, 1000);
      const first = (await store.readFeed(['flow'], 'c1', NOW, LEASE, 10)).get('flow')!;
      assert.deepEqual(first.map(nameOf), ['p1', '1a']);
      await store.ackFeed('flow', first.map((e) => e.id));
      await store.appendEvents([reportEvent('p1'), decimal, stateEvent('m1'), stateEvent('m1'), inboundEvent('a'), inboundEvent('a')], NOW + 1, 1000);
      assert.deepEqual((await store.readFeed(['flow'], 'c2', NOW + 1, LEASE, 10)).get('flow')!.map(nameOf), ['m1', 'm1', 'a', 'a'], 'state changes and inbound messages are never left out');
      // Not the same report: another state of the message, or (matched to no message) another done date.
      const undelivered: FeedPayload = { kind: 'report', report: { transportId: 't1', providerId: 'p1', state: 'UNDELIVERED' }, message: sampleRecord({ id: 'm-p1', state: 'UNDELIVERED' }) };
      const unmatched = (doneAt: number): FeedPayload => ({ kind: 'report', report: { transportId: 't1', providerId: 'u1', state: 'DELIVERED', address: '447400123456', doneAt } });
      await store.appendEvents([undelivered, unmatched(NOW), unmatched(NOW), unmatched(NOW - 60_000)], NOW + 2, 1000);
      const other = (await store.readFeed(['flow'], 'c3', NOW + 2, LEASE, 10)).get('flow')!;
      assert.deepEqual(other.map((e) => (e.payload.kind === 'report' ? [e.payload.report.providerId, e.payload.report.state, e.payload.report.doneAt ?? null] : [])), [
        ['p1', 'UNDELIVERED', null],
        ['u1', 'DELIVERED', NOW],
        ['u1', 'DELIVERED', NOW - 60_000],
      ]);
    });

    it('keeps the keys of reports as long as it would keep the reports: the newest maxEvents, and none before a trim', async () => {
      await store.joinFeed('flow', ['report'], NOW);
      const appended = async (names: string[], at: number) => {
        await store.appendEvents(names.map(reportEvent), at, 3);
        const read = (await store.readFeed(['flow'], 'c', at, LEASE, 10)).get('flow') ?? [];
        await store.ackFeed('flow', read.map((e) => e.id));
        return read.map(nameOf);
      };
      assert.deepEqual(await appended(['a', 'b', 'c'], NOW), ['a', 'b', 'c']);
      assert.deepEqual(await appended(['d'], NOW), ['d']);
      // Three keys kept (maxEvents 3): a's went, so a is appended again; b's is there.
      assert.deepEqual(await appended(['a', 'b'], NOW + 1), ['a']);
      await store.trimFeed(NOW + 1);
      await store.joinFeed('flow', ['report'], NOW + 2); // the trim removed the group, not joined since NOW
      assert.deepEqual(await appended(['a', 'd'], NOW + 2), ['d'], "d's key was older than the cutoff, a's (appended again at the cutoff) not");
    });

    it('hands released events to the next read of any consumer at once, marked redelivered; an acknowledged one stays done', async () => {
      await store.joinFeed('flow', ['report'], NOW);
      await store.appendEvents(['p1', 'p2', 'p3'].map(reportEvent), NOW, 1000);
      const read = (await store.readFeed(['flow'], 'c1', NOW, LEASE, 10)).get('flow')!;
      await store.ackFeed('flow', [read[0]!.id]);
      // c1's listener closed before it handed p2 and p3 on: released, well inside the lease.
      await store.releaseFeed('flow', read.map((e) => e.id));
      const again = (await store.readFeed(['flow'], 'c2', NOW + 1, LEASE, 10)).get('flow')!;
      assert.deepEqual(again.map((e) => [nameOf(e), e.redelivered]), [['p2', true], ['p3', true]]);
      await store.releaseFeed('nobody', [again[0]!.id]); // no such group: nothing happens
      assert.equal((await store.readFeed(['flow'], 'c3', NOW + 2, LEASE, 10)).size, 0, 'leased to c2 now');
    });

    it('forgets a group that leaves, with what it held', async () => {
      await store.joinFeed('flow', ['inbound'], NOW);
      await store.appendEvents([inboundEvent('x')], NOW, 1000);
      await store.readFeed(['flow'], 'c1', NOW, 1000, 10);
      await store.leaveFeed('flow');
      assert.deepEqual(await store.feedKinds(), new Set());
      assert.equal((await store.readFeed(['flow'], 'c2', NOW + 5000, 1000, 10)).size, 0);
      await store.joinFeed('flow', ['inbound'], NOW + 5000);
      assert.equal((await store.readFeed(['flow'], 'c2', NOW + 5000, 1000, 10)).size, 0, 'joined anew: at the end');
    });
  });
}

for (const kind of ['sqlite', 'redis'] as const) describe(`${kind} store: one event feed shared by two connections`, () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'smsgate-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Two connections to one store (two processes), a group `flow` for reports joined. */
  async function withTwo(use: (one: Store, two: Store) => Promise<void>): Promise<void> {
    const prefix = freshPrefix();
    const [one, two] = [await newStore(kind, dir, prefix), await newStore(kind, dir, prefix)];
    await one.open();
    await two.open();
    try {
      await one.joinFeed('flow', ['report'], NOW);
      await use(one, two);
    } finally {
      await one.close();
      await two.close();
    }
  }

  it('hands each event to one of two connections reading one group at once, and a lapsed one to the other', () =>
    withTwo(async (one, two) => {
      await two.appendEvents(Array.from({ length: 100 }, (_, i) => reportEvent(`p${i}`)), NOW, 1000);
      const taken: string[][] = [[], []];
      for (let round = 0; round < 100; round++) {
        const reads = await Promise.all([one.readFeed(['flow'], 'one', NOW, 1000, 3), two.readFeed(['flow'], 'two', NOW, 1000, 3)]);
        reads.forEach((read, i) => taken[i]!.push(...(read.get('flow') ?? []).map(nameOf)));
        if (reads.every((read) => read.size === 0)) break;
      }
      const all = [...taken[0]!, ...taken[1]!];
      assert.equal(all.length, 100);
      assert.equal(new Set(all).size, 100);
      assert.ok(taken[0]!.length > 0 && taken[1]!.length > 0, `both read: ${taken[0]!.length} + ${taken[1]!.length}`);
      // Nobody acknowledged: after the lease, one connection gets all of them again.
      const again = (await two.readFeed(['flow'], 'two', NOW + 1000, 1000, 1000)).get('flow')!;
      assert.equal(again.length, 100);
      assert.ok(again.every((e) => e.redelivered));
    }));

  it('appends a report once when both append it at the same time, as two processes given one receipt twice do', () =>
    withTwo(async (one, two) => {
      const reports = Array.from({ length: 50 }, (_, i) => reportEvent(`p${i}`));
      // Each connection appends all 50, one call each, interleaved.
      await Promise.all(reports.flatMap((report) => [one.appendEvents([report], NOW, 1000), two.appendEvents([report], NOW, 1000)]));
      const read = (await two.readFeed(['flow'], 'c', NOW, 1000, 1000)).get('flow')!;
      assert.deepEqual(read.map(nameOf).sort(), reports.map((r) => (r.kind === 'report' ? r.report.providerId : '')).sort());
    }));
});

for (const kind of ['sqlite', 'redis'] as const) describe(`${kind} store: the event feed holds what is still to hand on`, () => {
  it('drops, as it appends, the events every group has gone past and acknowledged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsgate-store-'));
    const store = await newStore(kind, dir);
    await store.open();
    try {
      const rows = async () =>
        store instanceof RedisStore
          ? Number(await (store as unknown as { command(args: string[]): Promise<number> }).command(['ZCARD', `{${store.prefix}}:feed`]))
          : Number((store as unknown as { sql(text: string): { get(): { n: number } } }).sql('SELECT COUNT(*) AS n FROM feed').get().n);
      await store.joinFeed('fast', ['report'], NOW);
      await store.joinFeed('slow', ['report'], NOW);
      await store.appendEvents(Array.from({ length: 50 }, (_, i) => reportEvent(`p${i}`)), NOW, 1000);
      const fast = (await store.readFeed(['fast'], 'c', NOW, 1000, 100)).get('fast')!;
      await store.ackFeed('fast', fast.map((e) => e.id));
      const slow = (await store.readFeed(['slow'], 'c', NOW, 1000, 30)).get('slow')!;
      await store.ackFeed('slow', slow.slice(0, 20).map((e) => e.id)); // 20 done, 10 held, 20 not read
      await store.appendEvents([reportEvent('next')], NOW, 1000);
      assert.equal(await rows(), 31, 'the 10 held, the 20 not read, and the new one');
      assert.deepEqual((await store.readFeed(['slow'], 'c', NOW + 1000, 1000, 100)).get('slow')!.map(nameOf), [
        ...Array.from({ length: 10 }, (_, i) => `p${20 + i}`),
        ...Array.from({ length: 20 }, (_, i) => `p${30 + i}`),
        'next',
      ]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

for (const kind of ['sqlite', 'redis'] as const) describe(`${kind} store: quotas and states shared by processes`, () => {
  let dir: string;
  let prefix: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-store-'));
    prefix = freshPrefix();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('four processes racing for one cap are given exactly its slots', async () => {
    const first = await newStore(kind, dir, prefix);
    await first.open(); // the schema, before the processes race to create it
    await first.close();
    const spec = await storeSpec(first);
    const children = ['a', 'b', 'c', 'd'].map((name) =>
      spawn(process.execPath, [join(__dirname, '..', 'fixtures', 'take-quota.js'), spec, name, '25', '37'], {
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    try {
      const outputs = children.map((child) => {
        let text = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        return { read: () => text, exited: once(child, 'exit') };
      });
      for (const [i, child] of children.entries()) {
        while (!outputs[i]!.read().includes('ready')) await once(child.stdout, 'data');
      }
      for (const child of children) child.stdin.end('go\n');
      const codes = await Promise.all(outputs.map((o) => o.exited.then(([code]) => code)));
      assert.deepEqual(codes, [0, 0, 0, 0]);
      const taken = outputs.map((o) => (JSON.parse(o.read().split('\n').find((line) => line.startsWith('{'))!) as { taken: number }).taken);
      assert.equal(taken.reduce((sum, n) => sum + n, 0), 37, `taken per process: ${taken.join(', ')}`);
      const store = await newStore(kind, dir, prefix);
      await store.open();
      assert.deepEqual(await store.takeQuota([{ key: 'recipient:+447700900123', windowMs: 3_600_000, max: 37 }], Date.now(), 'after'), { taken: false, refusedBy: 0 });
      await store.close();
    } finally {
      for (const child of children) child.kill();
    }
  });

  it('two processes taking submit slots of one account on one store get at most perSecond in any one-second span', async function () {
    this.timeout(60_000);
    const first = await newStore(kind, dir, prefix);
    await first.open(); // the schema, before the processes race to create it
    await first.close();
    const spec = await storeSpec(first);
    const children = ['a', 'b'].map(() =>
      spawn(process.execPath, [join(__dirname, '..', 'fixtures', 'take-slots.js'), spec, '40', '20'], { stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    try {
      const outputs = children.map((child) => {
        let text = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        return { read: () => text, exited: once(child, 'exit') };
      });
      for (const [i, child] of children.entries()) {
        while (!outputs[i]!.read().includes('ready')) await once(child.stdout, 'data');
      }
      for (const child of children) child.stdin.end('go\n');
      const codes = await Promise.all(outputs.map((o) => o.exited.then(([code]) => code)));
      assert.deepEqual(codes, [0, 0]);
      const [a, b] = outputs.map((o) => (JSON.parse(o.read().split('\n').find((line) => line.startsWith('{'))!) as { times: number[] }).times);
      const all = [...a!, ...b!];
      const most = mostInSpan(all, 1000);
      const spread = Math.max(...all) - Math.min(...all);
      console.log(`      80 slots at 20/s by two processes: at most ${most} in one second, over ${spread} ms`);
      assert.deepEqual([a!.length, b!.length], [40, 40]);
      assert.ok(most <= 20, `${most} slots in one second`);
      assert.ok(spread >= 3000, `80 slots at 20 a second over ${spread} ms`);
    } finally {
      for (const child of children) child.kill();
    }
  });

  it("gives one connection the state another one stored, past the claimed-record cache", async () => {
    const [one, two] = [await newStore(kind, dir, prefix), await newStore(kind, dir, prefix)];
    await one.open();
    await two.open();
    const record = sampleRecord();
    await one.insertMessage(record);
    await one.claimDue(NOW, 10, 'one', 30_000); // now cached in one
    await one.markSubmitted(record.id, 'one', { transportId: 't1', providerIds: ['p1'], now: NOW });
    await two.applyReport(record.id, 0, 'DELIVERED', NOW + 1);
    assert.deepEqual(await one.messageStates([record.id]), new Map([[record.id, 'DELIVERED']]));
    assert.equal((await one.getMessage(record.id))?.state, 'DELIVERED');
    await one.close();
    await two.close();
  });
});
