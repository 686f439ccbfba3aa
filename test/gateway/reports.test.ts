/**
 * The report-matching rule (src/gateway/reports.ts) step by step, on a real memory store: the
 * address forms a receipt may use, a receipt with no address, a repeated receipt, a late segment
 * of a finished message, the hold, and a copy of a held receipt. The whole path over TCP is in
 * receipts.test.ts and receipts-resent.test.ts.
 */
import assert from 'node:assert/strict';
import { addressNames, ReportMatcher, type MatchOutcome } from '../../src/gateway/reports';
import { MemoryStore } from '../../src/store/memory';
import type { MessageRecord } from '../../src/store/types';
import type { DeliveryReport } from '../../src/transport/types';
import { sampleRecord } from '../helpers/records';
import { until } from '../helpers/until';

describe('addressNames: the address a receipt gives against the recipient', () => {
  const UK = '+447400123456';

  it('takes the international forms only for the whole number', () => {
    for (const address of ['+447400123456', '447400123456', '00447400123456', ' +447400123456 ']) {
      assert.equal(addressNames(address, UK), true, address);
    }
    for (const address of ['+447400123457', '+47400123456', '447400123457', '0047400123456', '0044740012345']) {
      assert.equal(addressNames(address, UK), false, address);
    }
  });

  it('takes a national form, with or without the trunk prefix, as the number without its calling code', () => {
    assert.equal(addressNames('07400123456', UK), true);
    assert.equal(addressNames('7400123456', UK), true);
    assert.equal(addressNames('0612345678', '+390612345678'), true, "Italy's fixed lines keep their 0 in E.164");
    assert.equal(addressNames('2025550143', '+12025550143'), true);
    assert.equal(addressNames('400123456', UK), false, 'a digit short is another number');
    assert.equal(addressNames('07400123457', UK), false);
  });

  it('matches on the id alone when the receipt names no number', () => {
    for (const address of [undefined, '', '  ', 'ACME', '*100#']) assert.equal(addressNames(address, UK), true, String(address));
  });
});

describe('ReportMatcher', () => {
  const NOW = Date.now();
  let store: MemoryStore;

  beforeEach(async () => {
    store = new MemoryStore();
    await store.open();
  });

  /** A message to `to`, submitted on transport t with `providerIds`. */
  async function submitted(to: string, providerIds: string[], at = NOW): Promise<MessageRecord> {
    const record = sampleRecord({
      recipient: { ...sampleRecord().recipient, e164: to },
      segments: providerIds.length,
      segmentStates: providerIds.map(() => null),
      nextAttemptAt: at,
    });
    await store.insertMessage(record);
    await store.claimDue(at, 100, 'me', 60_000);
    return (await store.markSubmitted(record.id, 'me', { transportId: 't', providerIds, now: at }))!.record;
  }

  const report = (providerId: string, state: DeliveryReport['state'], address?: string): DeliveryReport => ({
    transportId: 't',
    providerId,
    state,
    ...(address === undefined ? {} : { address }),
  });

  it('gives a receipt without an address to the newest message waiting under its id', async () => {
    const matcher = new ReportMatcher({ store, holdMs: 0 });
    const older = await submitted('+447400000001', ['X'], NOW);
    const newer = await submitted('+447400000002', ['X'], NOW + 1);
    const first = await matcher.apply(report('X', 'DELIVERED'));
    assert.equal(first.kind === 'applied' && first.transition.record.id, newer.id);
    const second = await matcher.apply(report('X', 'UNDELIVERED'));
    assert.equal(second.kind === 'applied' && second.transition.record.id, older.id, 'the newer has its report: the older takes this one');
    assert.deepEqual(matcher.tally(), { applied: 2, held: 0, repeated: 0, unmatched: 0 });
  });

  it('says under which id a waiting message took the report: its own, an alternate, none for a finished message', async () => {
    // The SMPP transport learns how its SMSC writes ids from this (message-id.ts).
    const matcher = new ReportMatcher({ store, holdMs: 0 });
    await submitted('+447400000001', ['1A']);
    await submitted('+447400000002', ['S0', 'S1']);
    const own = await matcher.apply(report('1A', 'DELIVERED'));
    assert.equal(own.kind === 'applied' && own.waitedUnder, '1A');
    await submitted('+447400000003', ['2B']);
    const alternate = await matcher.apply({ ...report('43', 'DELIVERED'), alternateIds: ['2B'] });
    assert.equal(alternate.kind === 'applied' && alternate.waitedUnder, '2B');
    await matcher.apply(report('S0', 'UNDELIVERED'));
    const late = await matcher.apply(report('S1', 'DELIVERED'));
    assert.equal(late.kind, 'applied');
    assert.equal(late.kind === 'applied' && late.waitedUnder, undefined, 'the late segment of a finished message waited for nothing');
  });

  it('answers a receipt sent again as a repeat, and one that contradicts the stored state as unmatched', async () => {
    const matcher = new ReportMatcher({ store, holdMs: 0 });
    const message = await submitted('+447400000001', ['X']);
    await matcher.apply(report('X', 'DELIVERED', '+447400000001'));
    const again = await matcher.apply(report('X', 'DELIVERED', '+447400000001'));
    assert.equal(again.kind === 'repeated' && again.message.id, message.id);
    assert.equal((await matcher.apply(report('X', 'UNDELIVERED', '+447400000001'))).kind, 'unmatched');
    assert.equal((await store.getMessage(message.id))?.state, 'DELIVERED');
    assert.deepEqual(matcher.tally(), { applied: 1, held: 0, repeated: 1, unmatched: 1 });
  });

  it("records the late report of a finished message's segment that never had one", async () => {
    const matcher = new ReportMatcher({ store, holdMs: 0 });
    const message = await submitted('+447400000001', ['S0', 'S1']);
    await matcher.apply(report('S0', 'UNDELIVERED'));
    const late = await matcher.apply(report('S1', 'DELIVERED'));
    assert.equal(late.kind, 'applied');
    assert.deepEqual((await store.getMessage(message.id))?.segmentStates, ['UNDELIVERED', 'DELIVERED']);
  });

  it('holds a receipt that finds only a finished message until a submit with its id is stored', async () => {
    const matcher = new ReportMatcher({ store, holdMs: 10_000 });
    const old = await submitted('+447400000001', ['X']);
    await store.applyReport(old.id, 0, 'DELIVERED', NOW);
    const pending = matcher.apply(report('X', 'EXPIRED', '+447400000001'));
    // The new message's submit is stored after the receipt came, as when it raced the response.
    const fresh = await submitted('+447400000001', ['X'], NOW + 5);
    matcher.linked('t', ['X']);
    const outcome = await pending;
    assert.equal(outcome.kind === 'applied' && outcome.transition.record.id, fresh.id);
    assert.equal((await store.getMessage(fresh.id))?.state, 'EXPIRED');
    assert.equal((await store.getMessage(old.id))?.state, 'DELIVERED');
    assert.deepEqual(matcher.tally(), { applied: 1, held: 1, repeated: 0, unmatched: 0 });
  });

  it('keeps holding when the id is linked to a message for another recipient, until its own is', async () => {
    const matcher = new ReportMatcher({ store, holdMs: 10_000 });
    const lookups: string[] = [];
    const find = store.findByProviderId.bind(store);
    store.findByProviderId = (transportId, providerId) => {
      lookups.push(providerId);
      return find(transportId, providerId);
    };
    let settled = false;
    const pending = matcher.apply(report('X', 'DELIVERED', '+447400000009')).finally(() => (settled = true));
    await until(() => lookups.length === 1, 2000, 'the first look');
    await submitted('+447400000001', ['X']);
    matcher.linked('t', ['X']);
    await until(() => lookups.length === 2, 2000, 'the look after the link');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([settled, lookups.length], [false, 2], 'still holding: that message is for another recipient');
    const own = await submitted('+447400000009', ['X']);
    matcher.linked('t', ['X']);
    const outcome = await pending;
    assert.equal(outcome.kind === 'applied' && outcome.transition.record.id, own.id);
  });

  it('lets a held receipt go, unmatched, when the gateway stops', async function () {
    this.timeout(2000); // far below the 10 s hold
    const matcher = new ReportMatcher({ store, holdMs: 10_000 });
    const pending = matcher.apply(report('X', 'DELIVERED'));
    await new Promise((resolve) => setImmediate(resolve));
    matcher.releaseAll();
    assert.equal((await pending).kind, 'unmatched');
  });
  /** Counts the store's look-ups of a provider id: one at a report's first look, one per hold turn. */
  function countLookups(): string[] {
    const lookups: string[] = [];
    const find = store.findByProviderId.bind(store);
    store.findByProviderId = (transportId, providerId) => {
      lookups.push(providerId);
      return find(transportId, providerId);
    };
    return lookups;
  }

  it('settles a copy of a held receipt with it: not held on its own, not published, counted as repeated', async function () {
    this.timeout(2000); // far below the 10 s hold
    const matcher = new ReportMatcher({ store, holdMs: 10_000 });
    const lookups = countLookups();
    const published: MatchOutcome[] = [];
    const publish = async (outcome: MatchOutcome) => void published.push(outcome);
    const receipt = report('X', 'DELIVERED', '+447400000001');
    const held = matcher.apply(receipt, publish);
    await until(() => lookups.length === 1, 2000, 'the first look of the held receipt');
    await new Promise((resolve) => setImmediate(resolve)); // it found nothing: held
    let copySettled = false;
    const copy = matcher.apply({ ...receipt }, publish).finally(() => (copySettled = true));
    // Another state for the same id is another receipt: held on its own.
    const other = matcher.apply(report('X', 'EXPIRED', '+447400000001'), publish);
    await until(() => lookups.length === 2, 2000, 'the first look of the other receipt');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([lookups.length, copySettled, published.length], [2, false, 0], 'the copy looked nowhere and waits');
    matcher.releaseAll();
    assert.equal((await held).kind, 'unmatched');
    assert.deepEqual(await copy, { kind: 'copy', of: { kind: 'unmatched' } });
    assert.equal((await other).kind, 'unmatched');
    assert.deepEqual(published, [{ kind: 'unmatched' }, { kind: 'unmatched' }], 'the held receipt and the other, not the copy');
    assert.deepEqual(matcher.tally(), { applied: 0, held: 0, repeated: 1, unmatched: 2 });
  });

  it('refuses a copy with the held receipt when that cannot be published, and holds the next one anew', async function () {
    this.timeout(2000);
    const matcher = new ReportMatcher({ store, holdMs: 10_000 });
    const lookups = countLookups();
    let attempts = 0;
    const feedDown = async () => {
      attempts++;
      throw new Error('the feed is down');
    };
    const receipt = report('X', 'DELIVERED', '+447400000001');
    // The copy comes while the held one takes its first look: it looks too, and then, where it
    // would start a hold, finds the held one.
    const held = matcher.apply(receipt, feedDown);
    const copy = matcher.apply(receipt, feedDown);
    await until(() => lookups.length === 2, 2000, 'the first look of each');
    await new Promise((resolve) => setImmediate(resolve));
    matcher.releaseAll();
    await assert.rejects(held, /the feed is down/);
    await assert.rejects(copy, /the feed is down/, 'the copy is refused too: the SMSC sends the receipt again');
    assert.equal(attempts, 1, 'published (tried) once');
    // Settled: forgotten. The SMSC's next copy is held and published on its own.
    const published: MatchOutcome[] = [];
    const before = lookups.length;
    const again = matcher.apply(receipt, async (outcome) => void published.push(outcome));
    await until(() => lookups.length > before, 2000, 'the first look of the next copy');
    await new Promise((resolve) => setImmediate(resolve));
    matcher.releaseAll();
    assert.equal((await again).kind, 'unmatched');
    assert.deepEqual(published, [{ kind: 'unmatched' }]);
  });
});
