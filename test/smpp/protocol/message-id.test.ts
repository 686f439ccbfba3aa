import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  alternateMessageIds,
  MessageIdMatcher,
  messageIdKeys,
  normaliseMessageId,
} from '../../../src/smpp/protocol/message-id';
import { assertSmsGateError } from '../../encoding/helpers';

/** How SMSCs write one id number (the four forms the simulator offers). */
const FORMATS = {
  hex: (n: number) => n.toString(16).padStart(8, '0'),
  'hex-upper': (n: number) => n.toString(16).toUpperCase().padStart(8, '0'),
  decimal: (n: number) => n.toString(10),
  'decimal-padded': (n: number) => n.toString(10).padStart(10, '0'),
};
type Format = keyof typeof FORMATS;
const FORMAT_NAMES = Object.keys(FORMATS) as Format[];

/** The first key under which `receiptId` finds a stored id, as a transport without a matcher looks up. */
function lookUp(stored: ReadonlyMap<string, number>, receiptId: string): number | undefined {
  const key = messageIdKeys(receiptId).find((candidate) => stored.has(candidate));
  return key === undefined ? undefined : stored.get(key);
}

/**
 * One receipt through a link's matcher, as the SMPP transport does: the evidence of its ids in
 * flight when it arrives, the key it is looked up by, then what the store matched it under
 * (`matchedKey`: the key a waiting message took it under, undefined when none did).
 */
function receive(matcher: MessageIdMatcher, receiptId: string, inFlight: (key: string) => boolean, matchedKey: string | undefined): string {
  const evidence = matcher.evidence(receiptId, inFlight);
  const key = matcher.resolve(receiptId);
  matcher.learn(evidence, matchedKey);
  return key;
}

describe('message ids', () => {
  it('normalises case, surrounding space and leading zeros', () => {
    assert.equal(normaliseMessageId('0000a1b2'), 'A1B2');
    assert.equal(normaliseMessageId(' a1b2 '), 'A1B2');
    assert.equal(normaliseMessageId('0000000042'), '42');
    assert.equal(normaliseMessageId('000'), '0');
    assert.equal(normaliseMessageId('5516a151-4970-45b6'), '5516A151-4970-45B6');
    assertSmsGateError(() => normaliseMessageId('  '), 'USER_DATA_INVALID', /empty/);
  });

  it('gives the cross-base keys after the primary one', () => {
    assert.deepEqual(messageIdKeys('A1B2'), ['A1B2', '41394']);
    // All-decimal is also hex: twelve-ish both ways.
    assert.deepEqual(messageIdKeys('41394'), ['41394', 'A1B2', '267156']);
    assert.deepEqual(messageIdKeys('12'), ['12', 'C', '18']);
    assert.deepEqual(messageIdKeys('7'), ['7']);
    assert.deepEqual(messageIdKeys('msg-1'), ['MSG-1']);
    assert.deepEqual(alternateMessageIds('0000a1b2'), ['41394']);
    assert.deepEqual(alternateMessageIds('9'), []);
    // Beyond 2^53 (here 2^64 + 1), still exact.
    assert.deepEqual(messageIdKeys('18446744073709551617').slice(0, 2), ['18446744073709551617', '10000000000000001']);
  });

  it('matches hex and decimal forms of one id either way, whatever the case and padding', () => {
    const pairs: [string, string][] = [
      ['A1B2', '41394'],
      ['41394', 'A1B2'],
      ['0000a1b2', 'A1B2'],
      ['0000a1b2', '0000041394'],
      ['0000000000041394', 'a1b2'],
      ['1d305b4c', '0489708364'], // python-smpplib's captured receipt: TLV hex, text decimal
    ];
    for (const [submitted, received] of pairs) {
      const stored = new Map([[normaliseMessageId(submitted), 1]]);
      assert.equal(lookUp(stored, received), 1, `${submitted} ~ ${received}`);
    }
  });

  it('never matches an unrelated id among 10 000 random ids of one SMSC, whatever the two forms', () => {
    // Uniform over 32 bits (noBias: fast-check otherwise favours small numbers, which no SMSC
    // with random ids gives). Seeded, so the sample is the same on every run.
    const ids = fc.array(fc.noBias(fc.integer({ min: 0, max: 0xffffffff })), { minLength: 10_000, maxLength: 10_000 });
    fc.assert(
      fc.property(ids, (numbers) => {
        const unique = [...new Set(numbers)];
        for (const resp of FORMAT_NAMES) {
          const stored = new Map(unique.map((n) => [normaliseMessageId(FORMATS[resp](n)), n]));
          for (const receipt of FORMAT_NAMES) {
            const wrong = unique.find((n) => lookUp(stored, FORMATS[receipt](n)) !== n);
            assert.equal(wrong, undefined, `${resp} / ${receipt}: ${wrong}`);
          }
        }
      }),
      { seed: 20260115, numRuns: 3 },
    );
    const uuids = Array.from({ length: 10_000 }, () => randomUUID());
    const stored = new Map(uuids.map((id, index) => [normaliseMessageId(id), index]));
    assert.ok(uuids.every((id, index) => lookUp(stored, id.toUpperCase()) === index));
  });

  it('learns the forms of small sequential ids, where the primary key alone picks wrong, and then never errs', () => {
    // The worst case: ids 1, 2, 3, ... as a fresh SMSC (or the simulator) counts, 2 000 in flight,
    // receipts in random order. Hex `16` is 22 and decimal `16` is hex `10`: both are in flight.
    const cases: [Format, Format, string, number][] = [
      ['hex', 'decimal', 'decimal-to-hex', 22],
      ['decimal-padded', 'hex-upper', 'hex-to-decimal', 10],
      ['hex', 'hex-upper', 'same', 16],
      ['decimal', 'decimal-padded', 'same', 16],
    ];
    for (const [resp, receipt, relation, primaryFirst] of cases) {
      const label = `${resp} / ${receipt}`;
      const inFlight = new Map<string, number>();
      const submit = (n: number) => inFlight.set(normaliseMessageId(FORMATS[resp](n)), n);
      for (let n = 1; n <= 2_000; n++) submit(n);
      assert.equal(lookUp(inFlight, FORMATS[receipt](16)), primaryFirst, label);

      const matcher = new MessageIdMatcher();
      const random = seededRandom(7);
      let next = 2_001;
      let settledAfter: number | undefined;
      for (let received = 1; inFlight.size > 0; received++) {
        const waiting = [...inFlight.values()];
        const n = waiting[Math.floor(random() * waiting.length)];
        // Settled before this receipt: it is looked up by its own id's key.
        const settled = matcher.relation !== undefined;
        // The store finds the message under its submitted id (after the hold, for a primary key that is not it).
        const key = receive(matcher, FORMATS[receipt](n), (candidate) => inFlight.has(candidate), normaliseMessageId(FORMATS[resp](n)));
        if (settled) assert.equal(inFlight.get(key), n, `${label}: receipt ${received} for ${n}`);
        else if (matcher.relation !== undefined) settledAfter = received;
        inFlight.delete(normaliseMessageId(FORMATS[resp](n)));
        if (next <= 10_000) submit(next++);
      }
      assert.equal(matcher.relation, relation, label);
      assert.ok(settledAfter !== undefined && settledAfter <= 20, `${label}: settled after ${settledAfter} receipts`);
    }
  });

  it('settles only on a lead of five votes, resolving primary first until then, and then converts whether the id is in flight or not', () => {
    const matcher = new MessageIdMatcher();
    const inFlight = new Set(['A', 'B', 'C', 'D', 'E', 'F']);
    // Receipts 10..14 (decimal) for ids A..E (hex): only the decimal-to-hex key is in flight.
    const hex = (id: string) => Number(id).toString(16).toUpperCase();
    for (const id of ['10', '11', '12', '13', '14']) assert.equal(receive(matcher, id, (key) => inFlight.has(key), hex(id)), id);
    assert.equal(matcher.relation, 'decimal-to-hex');
    assert.equal(receive(matcher, '15', (key) => inFlight.has(key), 'F'), 'F');
    // Settled: nothing in flight (after a restart, say), the id is still converted.
    assert.equal(matcher.resolve('0000000255'), 'FF');
    // An id the relation cannot convert can only be itself.
    assert.equal(matcher.resolve('abc'), 'ABC');
  });

  it('after a restart, resolves a receipt for an id submitted before it to that id, not to a new id in another base', () => {
    // Sequential hex ids in both places: 1A went out before the restart, 26 (0x26) after it, and
    // "1A" read as hex is 26 in decimal.
    const matcher = new MessageIdMatcher();
    assert.equal(receive(matcher, '0000001a', (key) => key === '26', '1A'), '1A');
    assert.equal(receive(matcher, '00000026', (key) => key === '26', '26'), '26');
  });

  it('does not vote on ids whose keys agree, nor on ambiguous ones, and resolves those primary first', () => {
    const matcher = new MessageIdMatcher();
    for (let i = 0; i < 10; i++) assert.equal(receive(matcher, '7', () => true, '7'), '7');
    assert.equal(matcher.relation, undefined);
    for (let i = 0; i < 10; i++) assert.equal(receive(matcher, '12', (key) => key === '12' || key === 'C', '12'), '12');
    assert.equal(matcher.relation, undefined);
    assert.equal(matcher.resolve('12'), '12');
  });

  it('does not vote on what its own ids in flight suggest unless the store matched the receipt under that key', () => {
    // Two processes bind one account; the SMSC hands each receipt to either. Ids are the same in
    // both places (hex), sequential. This link submitted 10..14 (hex: 16..20); the other process
    // submitted 16..20 (hex: 22..32), whose receipts reach this link: for each, only its
    // decimal-to-hex key (10..14) is in flight here, yet the store finds the message under the
    // id itself, which the other process linked.
    const matcher = new MessageIdMatcher();
    const inFlightHere = new Set(['10', '11', '12', '13', '14']);
    for (const id of ['16', '17', '18', '19', '20', '16', '17']) {
      assert.equal(receive(matcher, id, (key) => inFlightHere.has(key), id), id);
    }
    assert.equal(matcher.relation, undefined, 'not settled on decimal-to-hex, which would give 16 to the message 0x10');
    // The receipts of its own ids confirm what the store says.
    const own = new Set(['21', '22', '23', '24', '25']);
    for (const id of own) receive(matcher, id, (key) => own.has(key), id);
    assert.equal(matcher.relation, 'same');
    // A receipt the store matched under no key (held past its time, a repeat) is no vote either.
    const fresh = new MessageIdMatcher();
    for (let i = 0; i < 10; i++) receive(fresh, '14', (key) => key === 'E', undefined);
    assert.equal(fresh.relation, undefined);
  });
});

/** mulberry32: a small seeded PRNG, so the random order is the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
