/**
 * Matching the message id of a receipt to the one submit_sm_resp gave, across SMSC brands and
 * without per-provider settings. SMSCs write the same id differently in the two places: in
 * another case, with or without leading zeros, and some in hex in one and decimal in the other.
 *
 * - The primary key (normaliseMessageId) is the id trimmed, upper-cased, without leading zeros:
 *   `0000a1b2` and `A1B2` are one id. Store submitted ids under it (return it as the providerId).
 * - Cross-base keys (alternateMessageIds): an all-decimal id also stands for the same number in
 *   hex (`41394` → `A1B2`), an all-hex id for the same number in decimal (`A1B2` → `41394`).
 *
 * The ambiguity: an id of decimal digits only is also valid hex, so `12` may mean twelve or
 * 0x12 = eighteen, and a receipt `12` could be the message submitted as `12` or as `C`. With
 * random or large ids that never matters (a decimal string read as hex is a far larger number,
 * never among the ids in flight), but with small sequential ids it does. Lookups therefore try the
 * primary key first and the cross-base keys only after it (messageIdKeys), and MessageIdMatcher
 * learns which form a link's receipts use so that, once learned, only that one key is consulted.
 */
import { SmsGateError } from '../../errors';

/** How a receipt's id relates to the submit_sm_resp id of the same message. */
export type IdRelation = 'same' | 'decimal-to-hex' | 'hex-to-decimal';

export interface MessageIdCandidate {
  relation: IdRelation;
  key: string;
}

const DECIMAL = /^[0-9]+$/;
const HEX = /^[0-9A-F]+$/;

/** Throws USER_DATA_INVALID for an empty id: it could only ever match another empty one. */
export function normaliseMessageId(id: string): string {
  const key = id.trim().toUpperCase().replace(/^0+(?=.)/, '');
  if (key === '') throw new SmsGateError('USER_DATA_INVALID', 'the message id is empty', { field: 'message_id' });
  return key;
}

/** The keys an id may stand for, primary first, with the relation that gives each. */
export function messageIdCandidates(id: string): MessageIdCandidate[] {
  const key = normaliseMessageId(id);
  const candidates: MessageIdCandidate[] = [{ relation: 'same', key }];
  if (DECIMAL.test(key)) candidates.push({ relation: 'decimal-to-hex', key: BigInt(key).toString(16).toUpperCase() });
  if (HEX.test(key)) candidates.push({ relation: 'hex-to-decimal', key: BigInt(`0x${key}`).toString(10) });
  return candidates;
}

/** The cross-base keys of an id, without the primary key (which `7` is in every base). */
export function alternateMessageIds(id: string): string[] {
  return messageIdKeys(id).slice(1);
}

/** The keys to look a receipt id up by, in order: the first one found is the message. */
export function messageIdKeys(id: string): string[] {
  return [...new Set(messageIdCandidates(id).map((candidate) => candidate.key))];
}

/**
 * Votes one relation needs ahead of each other before it is taken as the link's. Not fewer: after
 * a restart, receipts for ids submitted before it vote for a cross-base relation whenever their
 * other-base key happens to be a new id in flight.
 */
const SETTLE_LEAD = 5;

/**
 * Learns, per link, how its receipts write ids relative to its submit_sm_resp. A vote needs two
 * witnesses that agree: this link's own ids in flight (`evidence`: the receipt id is found under
 * exactly one key, given by exactly one relation) and the store (`learn`: a message waiting for
 * the report took it under that same key). The first alone misleads when other processes bind
 * the same account: the SMSC hands a receipt to any of their binds, so the key a receipt really
 * names is often in flight in another process, and a cross-base key of it that happens to be in
 * flight here would vote for a relation that is not the link's; settled on it, every receipt
 * would be converted to another message's id. Once one relation leads every other by
 * SETTLE_LEAD votes it is settled, and from then on a receipt id is converted that way only,
 * found or not. Before that (and after a restart, until it settles again) a receipt id resolves
 * to its primary key, with the cross-base keys as alternates for the gateway: the in-flight ids
 * of this link are no evidence for the receipt of a message submitted before it started (a
 * redeploy, a restart), whose primary key the store still knows.
 */
export class MessageIdMatcher {
  private readonly votes: Record<IdRelation, number> = { same: 0, 'decimal-to-hex': 0, 'hex-to-decimal': 0 };
  private settled: IdRelation | undefined;

  /** The relation learned, once settled. */
  get relation(): IdRelation | undefined {
    return this.settled;
  }

  /**
   * The primary key of the submitted id a receipt id refers to: its primary key until a relation
   * is settled, then the key that relation gives. Throws USER_DATA_INVALID for an empty id.
   */
  resolve(receiptId: string): string {
    const candidates = messageIdCandidates(receiptId);
    if (this.settled === undefined) return candidates[0].key;
    // An id the settled relation cannot convert (letters, for decimal-to-hex) can only be itself.
    return (candidates.find((candidate) => candidate.relation === this.settled) ?? candidates[0]).key;
  }

  /**
   * What this link's ids in flight say of a receipt id, asked when it arrives: the one candidate
   * found, when exactly one key, given by exactly one relation, is in flight (`inFlight(key)`:
   * this link submitted an id with that primary key and has had no final receipt for it yet);
   * else nothing. Nothing once settled. Throws USER_DATA_INVALID for an empty id.
   */
  evidence(receiptId: string, inFlight: (key: string) => boolean): MessageIdCandidate | undefined {
    if (this.settled !== undefined) return undefined;
    const candidates = messageIdCandidates(receiptId);
    const found = [...new Set(candidates.map((candidate) => candidate.key))].filter(inFlight);
    if (found.length !== 1) return undefined;
    const relations = candidates.filter((candidate) => candidate.key === found[0]);
    return relations.length === 1 ? relations[0] : undefined;
  }

  /**
   * The store matched the receipt: `matchedKey` is the key a message waiting for it took it under
   * (undefined when none did). A vote for the evidence's relation when the two agree.
   */
  learn(evidence: MessageIdCandidate | undefined, matchedKey: string | undefined): void {
    if (evidence === undefined || this.settled !== undefined || matchedKey !== evidence.key) return;
    this.votes[evidence.relation] += 1;
    const others = (Object.keys(this.votes) as IdRelation[]).filter((other) => other !== evidence.relation);
    if (others.every((other) => this.votes[evidence.relation] - this.votes[other] >= SETTLE_LEAD)) this.settled = evidence.relation;
  }
}
