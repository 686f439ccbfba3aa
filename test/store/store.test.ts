/**
 * One contract, every store: what the gateway relies on must hold for memory and sqlite alike
 * (and later Redis).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { MemoryStore } from '../../src/store/memory';
import { SqliteStore } from '../../src/store/sqlite';
import type { QuotaCap, Store } from '../../src/store/types';
import { sampleRecord } from '../helpers/records';

const NOW = 1_700_000_000_000;

for (const kind of ['memory', 'sqlite'] as const) {
  describe(`${kind} store`, () => {
    let dir: string;
    let store: Store;

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'smsgate-store-'));
      store = kind === 'memory' ? new MemoryStore() : new SqliteStore(join(dir, 'nested', 'gw.db'));
      await store.open();
    });

    afterEach(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

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
      assert.deepEqual(await store.leaseOwners(), ['a']);
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

    it('wakes a message set aside for a link for hours, and it is claimed at once', async () => {
      const now = Date.now();
      const down = { code: 'TRANSPORT_UNAVAILABLE' as const, message: 'link down' };
      const waiting = sampleRecord({ nextAttemptAt: now + 3_600_000, error: down });
      await store.insertMessage(waiting);
      assert.deepEqual(await store.claimDue(now, 10, 'a', 30_000), []);
      assert.equal(await store.wakeWaitingForLink(now), 1);
      assert.equal(await store.nextDue(), now);
      assert.deepEqual((await store.claimDue(now, 10, 'a', 30_000)).map((r) => r.id), [waiting.id]);
    });

    it('wakes the queued messages that wait for a link, and only those', async () => {
      const down = { code: 'TRANSPORT_UNAVAILABLE' as const, message: 'link down' };
      const waiting = sampleRecord({ nextAttemptAt: NOW + 30_000, error: down });
      const backingOff = sampleRecord({ nextAttemptAt: NOW + 30_000, error: { code: 'TRANSPORT_TEMPORARY', message: 'throttled' } });
      const scheduled = sampleRecord({ nextAttemptAt: NOW + 30_000 });
      const submitted = sampleRecord({ state: 'SUBMITTED', nextAttemptAt: NOW + 30_000, error: down });
      for (const r of [waiting, backingOff, scheduled, submitted]) await store.insertMessage(r);

      assert.equal(await store.wakeWaitingForLink(NOW), 1);
      assert.equal((await store.getMessage(waiting.id))!.nextAttemptAt, NOW);
      assert.deepEqual((await store.claimDue(NOW, 10, 'a', 30_000)).map((r) => r.id), [waiting.id]);
      assert.equal((await store.getMessage(backingOff.id))!.nextAttemptAt, NOW + 30_000);
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
      for (const r of records) await store.updateMessage(r.id, (current) => ({ ...current, nextAttemptAt: later, error: down }));
      for (const r of [records[0]!, records[1]!, records[2999]!]) {
        assert.deepEqual(await store.getMessage(r.id), { ...r, nextAttemptAt: later, error: down });
      }
      assert.equal(await store.nextDue(), later);
      assert.equal(await store.wakeWaitingForLink(NOW), 3000);
      assert.deepEqual((await store.claimDue(NOW, 3000, 'b', 30_000)).map((r) => r.id), records.map((r) => r.id));
    });

    it('gives back a message that is done, or submitted with no report to come, as it was stored', async () => {
      const delivered = sampleRecord({ deliveryReport: true });
      const silent = sampleRecord({ deliveryReport: false });
      for (const r of [delivered, silent]) await store.insertMessage(r);
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
      const submitted = { ...silent, state: 'SUBMITTED' as const, transportId: 't1', providerIds: ['b1'], attempts: 1, submittedAt: NOW + 1 };
      assert.deepEqual(await store.updateMessage(delivered.id, () => done), done);
      assert.deepEqual(await store.updateMessage(silent.id, () => submitted), submitted);
      assert.deepEqual(await store.getMessage(delivered.id), done);
      assert.deepEqual(await store.getMessage(silent.id), submitted);
      assert.deepEqual(await store.countByState(), { DELIVERED: 1, SUBMITTED: 1 });
    });

    it('frees the leases of an owner, and an update ends the lease', async () => {
      const a = sampleRecord();
      const b = sampleRecord();
      await store.insertMessage(a);
      await store.insertMessage(b);
      await store.claimDue(NOW, 10, 'dead', 60_000);
      assert.equal(await store.releaseLeasesOf('dead'), 2);
      const again = await store.claimDue(NOW, 10, 'alive', 60_000);
      assert.equal(again.length, 2);
      await store.updateMessage(a.id, (r) => ({ ...r, attempts: 1, nextAttemptAt: NOW }));
      const claimable = await store.claimDue(NOW, 10, 'other', 60_000);
      assert.deepEqual(claimable.map((r) => r.id), [a.id]);
    });

    it('updates atomically and leaves a record alone when the change says so', async () => {
      const record = sampleRecord();
      await store.insertMessage(record);
      const updated = await store.updateMessage(record.id, (r) => ({ ...r, state: 'SUBMITTED', providerIds: ['x'] }));
      assert.equal(updated?.state, 'SUBMITTED');
      const untouched = await store.updateMessage(record.id, () => undefined);
      assert.equal(untouched?.state, 'SUBMITTED');
      assert.equal(await store.updateMessage('missing', (r) => r), undefined);
      assert.deepEqual(await store.countByState(), { SUBMITTED: 1 });
      assert.equal(await store.nextDue(), null, 'nothing is queued any more');
    });

    it('correlates provider ids per transport and segment', async () => {
      const one = sampleRecord({ id: 'msg-1', segments: 2, segmentStates: [null, null] });
      const two = sampleRecord({ id: 'msg-2' });
      await store.insertMessage(one);
      await store.insertMessage(two);
      const updated = await store.updateMessage('msg-1', (r) => ({ ...r, state: 'SUBMITTED' }), {
        link: { transportId: 'smsc1', providerIds: ['A1', 'A2'] },
      });
      assert.equal(updated?.state, 'SUBMITTED', 'the link and the change land together');
      await store.updateMessage('msg-2', () => undefined, { link: { transportId: 'smsc2', providerIds: ['A1'] } });
      assert.deepEqual(await store.findByProviderId('smsc1', 'A2'), { messageId: 'msg-1', segment: 1 });
      assert.deepEqual(await store.findByProviderId('smsc2', 'A1'), { messageId: 'msg-2', segment: 0 });
      assert.equal(await store.findByProviderId('smsc2', 'A2'), undefined);
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
  });
}

describe('sqlite store shared by two connections (two processes)', () => {
  let dir: string;
  let one: SqliteStore;
  let two: SqliteStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-store-'));
    one = new SqliteStore(join(dir, 'gw.db'));
    two = new SqliteStore(join(dir, 'gw.db'));
    await one.open();
    await two.open();
  });

  afterEach(async () => {
    await one.close();
    await two.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("bases each update on the other's latest change, not on a record it read before", async () => {
    const record = sampleRecord();
    await one.insertMessage(record);
    await one.claimDue(NOW, 10, 'one', 30_000);
    await one.updateMessage(record.id, (r) => ({ ...r, attempts: r.attempts + 1 }));
    await two.updateMessage(record.id, (r) => ({ ...r, attempts: r.attempts + 1, correlation: 'from two' }));
    const seen = await one.updateMessage(record.id, (r) => ({ ...r, attempts: r.attempts + 1 }));
    assert.equal(seen?.attempts, 3);
    assert.equal(seen?.correlation, 'from two');
    assert.deepEqual(await two.getMessage(record.id), seen);
  });

  it('leaves a record as it was when a change throws, for both connections', async () => {
    const record = sampleRecord();
    await one.insertMessage(record);
    await one.updateMessage(record.id, (r) => ({ ...r, attempts: 1 }));
    await assert.rejects(
      one.updateMessage(record.id, () => {
        throw new Error('refused');
      }),
      /refused/,
    );
    const after = await one.updateMessage(record.id, (r) => ({ ...r, attempts: r.attempts + 1 }));
    assert.equal(after?.attempts, 2);
    assert.equal((await two.getMessage(record.id))?.attempts, 2);
  });
});

describe('sqlite store across a reopen', () => {
  it('still has the outbox and the correlation after close and open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsgate-store-'));
    try {
      const path = join(dir, 'gw.db');
      const first = new SqliteStore(path);
      await first.open();
      const record = sampleRecord();
      await first.insertMessage(record);
      await first.updateMessage(record.id, (r) => ({ ...r, state: 'SUBMITTED' }), { link: { transportId: 'smsc1', providerIds: ['0a1b'] } });
      await first.setOptOut('+447400000001', true);
      await first.close();

      const second = new SqliteStore(path);
      await second.open();
      assert.deepEqual(await second.getMessage(record.id), { ...record, state: 'SUBMITTED' });
      assert.deepEqual(await second.findByProviderId('smsc1', '0a1b'), { messageId: record.id, segment: 0 });
      assert.equal(await second.isOptedOut('+447400000001'), true);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// --- rate quotas (takeQuota) and the states waiters poll (messageStates) ------------------------

for (const kind of ['memory', 'sqlite'] as const) {
  describe(`${kind} store: rate quotas and watched states`, () => {
    let dir: string;
    let store: Store;
    const HOUR = 3_600_000;
    const recipientCap = (max: number): QuotaCap => ({ key: 'recipient:+447700900123', windowMs: HOUR, max });
    const prefixCap = (max: number): QuotaCap => ({ key: 'prefix:+4477009', windowMs: 60_000, max });

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'smsgate-store-'));
      store = kind === 'memory' ? new MemoryStore() : new SqliteStore(join(dir, 'gw.db'));
      await store.open();
    });

    afterEach(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

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
    });

    it('gives the stored state of the messages asked for, leaving out unknown ids', async () => {
      const [a, b] = [sampleRecord(), sampleRecord()];
      for (const r of [a, b]) await store.insertMessage(r);
      await store.updateMessage(b.id, (r) => ({ ...r, state: 'DELIVERED' }));
      assert.deepEqual(await store.messageStates([a.id, b.id, 'nope']), new Map([[a.id, 'QUEUED'], [b.id, 'DELIVERED']]));
      assert.deepEqual(await store.messageStates([]), new Map());
    });
  });
}

describe('sqlite store: quotas and states shared by processes', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'smsgate-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('four processes racing for one cap are given exactly its slots', async () => {
    const path = join(dir, 'gw.db');
    const first = new SqliteStore(path);
    await first.open(); // the schema, before the processes race to create it
    await first.close();
    const children = ['a', 'b', 'c', 'd'].map((name) =>
      spawn(process.execPath, [join(__dirname, '..', 'fixtures', 'take-quota.js'), path, name, '25', '37'], {
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
      const store = new SqliteStore(path);
      await store.open();
      assert.deepEqual(await store.takeQuota([{ key: 'recipient:+447700900123', windowMs: 3_600_000, max: 37 }], Date.now(), 'after'), { taken: false, refusedBy: 0 });
      await store.close();
    } finally {
      for (const child of children) child.kill();
    }
  });

  it("gives one connection the state another one stored, past the claimed-record cache", async () => {
    const [one, two] = [new SqliteStore(join(dir, 'gw.db')), new SqliteStore(join(dir, 'gw.db'))];
    await one.open();
    await two.open();
    const record = sampleRecord();
    await one.insertMessage(record);
    await one.claimDue(NOW, 10, 'one', 30_000); // now cached in one
    await one.updateMessage(record.id, (r) => ({ ...r, state: 'SUBMITTED' }));
    await two.updateMessage(record.id, (r) => ({ ...r, state: 'DELIVERED' }));
    assert.deepEqual(await one.messageStates([record.id]), new Map([[record.id, 'DELIVERED']]));
    assert.equal((await one.getMessage(record.id))?.state, 'DELIVERED');
    await one.close();
    await two.close();
  });
});
