/**
 * A store in the process's memory: for tests, and for users who accept losing the outbox on a
 * restart.
 *
 * Records are kept frozen (frozen-record.ts), and the frozen record itself is what every reader
 * gets. Copying each record in and out instead was about nine copies per message, a tenth of the
 * gateway's CPU time with this store and most of its garbage.
 *
 * Messages at rest are kept packed into a string instead (packed-record.ts), a third of the
 * memory: those that will wait (not due yet, or with a backlog before them), so that 100 000
 * queued fit a small machine, and those nothing is expected to change (done, or submitted with
 * no report to come), which this store keeps until the process ends. The messages being worked
 * on stay objects, so that one sent as it comes is packed once, when it is done.
 */
import { randomUUID } from 'node:crypto';
import type { AcceptedSegment, InboundMessage, InboundPart } from '../transport/types';
import { inboundGroupKey } from './inbound-parts';
import { FINAL_STATES, type MessageState } from '../types';
import type { ErrorInfo } from '../errors';
import { copy, freeze } from './frozen-record';
import { LaterQueue } from './later-queue';
import { MemoryFeed } from './memory-feed';
import { acceptSegments, applySegmentReport, bySegment, keepsLinkWait, markFailed, markRetry, markSubmitted, restingSince, takesReport } from './lifecycle';
import { pack, unpack } from './packed-record';
import { RestingMessages } from './resting-messages';
import { QuotaLog } from './quota-log';
import { isSpent, pauseSlots, takeSlot, type SlotLog } from './submit-slots';
import type {
  FeedEvent,
  FeedKind,
  FeedPayload,
  MessageRecord,
  ProviderLink,
  PurgeResult,
  QuotaCap,
  QuotaResult,
  ReportCondition,
  RetentionPolicy,
  Store,
  StoredInbound,
  Transition,
} from './types';

interface Lease {
  owner: string;
  until: number;
}

/** A message due with this many due before it is packed: it waits at least a tenth of a second even at 10 000/s. */
const PACK_BEHIND = 1024;

/** The priorities send() takes (0 to 3, as SMPP's priority_flag); a queue of each. */
const PRIORITIES = [0, 1, 2, 3];

export class MemoryStore implements Store {
  readonly type = 'memory';
  /** Every message, as a frozen record or packed. */
  private readonly messages = new Map<string, MessageRecord | string>();
  /** QUEUED messages that were due when stored or since, by priority, in the order they became due: id → nextAttemptAt. */
  private readonly queued = PRIORITIES.map(() => new Map<string, number>());
  /** QUEUED messages not due yet when stored, by priority. */
  private readonly later = PRIORITIES.map(() => new LaterQueue());
  /** Messages set aside for a link: transport id → ids waiting for it, and id → the transports it waits for. */
  private readonly waitersOf = new Map<string, Set<string>>();
  private readonly waitingFor = new Map<string, readonly string[]>();
  /** Messages done (see restingSince), for retention. */
  private readonly resting = new RestingMessages();
  private readonly counts = new Map<MessageState, number>();
  private readonly byIdempotencyKey = new Map<string, string>();
  private readonly leases = new Map<string, Lease>();
  /**
   * (transport, provider id) → the messages it was linked to, oldest first: one link (the usual
   * case, without an array's weight) or several, when the SMSC handed the id out again.
   */
  private readonly providerLinks = new Map<string, ProviderLink | ProviderLink[]>();
  private readonly inbound: StoredInbound[] = [];
  /** Parts of concatenated inbound messages by group, each group by sequence number. */
  private readonly inboundParts = new Map<string, Map<number, InboundPart>>();
  private readonly optedOut = new Set<string>();
  private readonly notes = new Map<string, string>();

  async open(): Promise<void> {}
  async close(): Promise<void> {}

  async insertMessage(record: MessageRecord): Promise<{ record: MessageRecord; created: boolean }> {
    const key = record.idempotencyKey;
    const holder = key === null ? undefined : this.byIdempotencyKey.get(key);
    if (holder !== undefined) return { record: this.read(holder)!, created: false };
    // A copy: the caller's record (and what it shares with others, the route's transport list)
    // is not ours to freeze.
    const stored = freeze(copy(record));
    this.put(stored, undefined);
    if (key !== null) this.byIdempotencyKey.set(key, stored.id);
    return { record: stored, created: true };
  }

  async getMessage(id: string): Promise<MessageRecord | undefined> {
    return this.read(id);
  }

  private read(id: string): MessageRecord | undefined {
    const kept = this.messages.get(id);
    return typeof kept === 'string' ? unpack(id, kept) : kept;
  }

  /**
   * The one way a message changes: `change` builds the next record from the current one (or
   * says undefined: the condition does not hold). Everything here runs without an await, so it
   * is atomic in this process.
   */
  private transition(
    id: string,
    change: (current: MessageRecord) => MessageRecord | undefined,
    endsLease = true,
  ): Transition | undefined {
    const current = this.read(id);
    if (current === undefined) return undefined;
    const changed = change(current);
    if (changed === undefined) return undefined;
    const record = freeze(changed);
    this.put(record, current);
    if (endsLease || record.state !== 'QUEUED') this.leases.delete(id);
    return { record, previous: current.state };
  }

  /**
   * A transition of the outbox, only while QUEUED and (`owner` not null) leased by `owner`. Its
   * answer, not a promise of it: an async method returning a promise would take two more
   * microtasks to settle, on every message's path.
   */
  private outboxStep(id: string, owner: string | null, change: (current: MessageRecord) => MessageRecord): Transition | undefined {
    return this.transition(id, (current) => {
      if (current.state !== 'QUEUED') return undefined;
      if (owner !== null && this.leases.get(id)?.owner !== owner) return undefined;
      return change(current);
    });
  }

  async markSubmitted(
    id: string,
    owner: string,
    { transportId, providerIds, now }: { transportId: string; providerIds: string[]; now: number },
  ): Promise<Transition | undefined> {
    void owner; // the submit has happened: recorded whoever holds the lease now
    // Linked whatever the state: the submit happened, and its reports are about this message.
    const message = this.read(id);
    if (message !== undefined) this.link(id, message.recipient.e164, transportId, bySegment(providerIds), now);
    return this.outboxStep(id, null, (current) => markSubmitted(current, transportId, providerIds, now));
  }

  async acceptSegments(
    id: string,
    owner: string,
    { transportId, segments, now }: { transportId: string; segments: readonly AcceptedSegment[]; now: number },
  ): Promise<Transition | undefined> {
    void owner; // these submits have happened: recorded whoever holds the lease now
    const message = this.read(id);
    if (message === undefined) return undefined;
    this.link(id, message.recipient.e164, transportId, segments, now);
    // The lease holds while segments remain: the outbox retries the rest under it.
    return this.transition(
      id,
      (current) => (current.state === 'QUEUED' ? acceptSegments(current, transportId, segments, now) : undefined),
      false,
    );
  }

  async retry(
    id: string,
    owner: string,
    { attempts, at, error, now }: { attempts: number; at: number; error: ErrorInfo | null; now: number },
  ): Promise<Transition | undefined> {
    return this.outboxStep(id, owner, (current) => markRetry(current, error, attempts, at, now));
  }

  async setAside(
    id: string,
    owner: string,
    { waitingFor, until, error, now }: { waitingFor: string[]; until: number; error: ErrorInfo; now: number },
  ): Promise<Transition | undefined> {
    const done = this.outboxStep(id, owner, (current) => markRetry(current, error, current.attempts, until, now));
    if (done !== undefined) this.waitFor(id, waitingFor);
    return done;
  }

  async fail(id: string, owner: string | null, { error, now }: { error: ErrorInfo; now: number }): Promise<Transition | undefined> {
    if (owner === null && this.isLeased(id, now)) return undefined;
    return this.outboxStep(id, owner, (current) => markFailed(current, error, now));
  }

  async applyReport(
    id: string,
    segment: number,
    state: MessageState,
    now: number,
    condition: ReportCondition = 'unreported',
  ): Promise<Transition | undefined> {
    // A report may race ahead of its submit being recorded: the lease of the message being submitted holds.
    return this.transition(
      id,
      (current) => (takesReport(current, segment, condition) ? applySegmentReport(current, segment, state, now) : undefined),
      false,
    );
  }

  private waitFor(id: string, transportIds: string[]): void {
    this.waitingFor.set(id, transportIds);
    for (const transportId of transportIds) {
      const waiters = this.waitersOf.get(transportId) ?? new Set<string>();
      this.waitersOf.set(transportId, waiters.add(id));
    }
  }

  private stopWaiting(id: string): void {
    const transportIds = this.waitingFor.get(id);
    if (transportIds === undefined) return;
    this.waitingFor.delete(id);
    for (const transportId of transportIds) {
      const waiters = this.waitersOf.get(transportId);
      waiters?.delete(id);
      if (waiters?.size === 0) this.waitersOf.delete(transportId);
    }
  }

  /** Stores a record, and keeps the queues and the counts in step with it. */
  private put(record: MessageRecord, previous: MessageRecord | undefined): void {
    const id = record.id;
    if (previous !== undefined) {
      this.counts.set(previous.state, this.counts.get(previous.state)! - 1);
      if (previous.state === 'QUEUED') {
        this.queued[previous.priority]!.delete(id);
        this.later[previous.priority]!.remove(id);
        if (!keepsLinkWait(previous, record)) this.stopWaiting(id);
      }
      this.resting.remove(previous);
    }
    this.counts.set(record.state, (this.counts.get(record.state) ?? 0) + 1);
    let rests = FINAL_STATES.has(record.state) || (record.state === 'SUBMITTED' && !record.deliveryReport);
    this.resting.add(record);
    if (record.state === 'QUEUED') {
      if (record.nextAttemptAt > Date.now()) {
        this.later[record.priority]!.add(id, record.nextAttemptAt);
        rests = true;
      } else {
        rests = this.dueCount() >= PACK_BEHIND;
        this.queued[record.priority]!.set(id, record.nextAttemptAt);
      }
    }
    this.messages.set(id, rests ? pack(record) : record);
  }

  private dueCount(): number {
    let count = 0;
    for (const queue of this.queued) count += queue.size;
    return count;
  }

  async claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<MessageRecord[]> {
    for (const priority of PRIORITIES) {
      for (const { id, at } of this.later[priority]!.takeDue(now)) this.queued[priority]!.set(id, at);
    }
    const due: MessageRecord[] = [];
    for (let priority = PRIORITIES.length - 1; priority >= 0 && due.length < limit; priority--) {
      const queue = this.queued[priority]!;
      for (const id of queue.keys()) {
        if (this.isLeased(id, now) || queue.get(id)! > now) continue;
        const message = this.read(id)!;
        // Being worked on now: kept as an object until it waits again.
        this.messages.set(id, message);
        this.leases.set(id, { owner, until: now + leaseMs });
        due.push(message);
        if (due.length === limit) break;
      }
    }
    return due;
  }

  private isLeased(id: string, now: number): boolean {
    const lease = this.leases.get(id);
    return lease !== undefined && lease.until > now;
  }

  async renewLeases(ids: string[], owner: string, until: number): Promise<string[]> {
    const renewed: string[] = [];
    for (const id of ids) {
      const lease = this.leases.get(id);
      if (lease?.owner !== owner) continue;
      this.leases.set(id, { owner, until });
      renewed.push(id);
    }
    return renewed;
  }

  async releaseLease(id: string, owner: string): Promise<void> {
    if (this.leases.get(id)?.owner === owner) this.leases.delete(id);
  }

  async wakeWaitingFor(transportId: string, now: number): Promise<number> {
    let woken = 0;
    for (const id of [...(this.waitersOf.get(transportId) ?? [])]) {
      const record = this.read(id)!;
      // Out of every link's waiters: woken once, by the first of its transports to come up.
      this.stopWaiting(id);
      this.put(freeze({ ...record, nextAttemptAt: Math.min(now, record.nextAttemptAt) }), record);
      woken++;
    }
    return woken;
  }

  async nextDue(): Promise<number | null> {
    let earliest: number | null = null;
    for (const priority of PRIORITIES) {
      const later = this.later[priority]!.earliest();
      if (later !== undefined && (earliest === null || later < earliest)) earliest = later;
      for (const at of this.queued[priority]!.values()) if (earliest === null || at < earliest) earliest = at;
    }
    return earliest;
  }

  async countByState(): Promise<Partial<Record<MessageState, number>>> {
    return Object.fromEntries([...this.counts].filter(([, count]) => count > 0));
  }

  /**
   * Runs for every submit, and nearly always finds the provider id unlinked: that case makes the
   * link and nothing else (no closure, no arrays), as does findByProviderId's for one link.
   */
  private link(messageId: string, recipient: string, transportId: string, segments: readonly AcceptedSegment[], linkedAt: number): void {
    for (const { providerId, segment } of segments) {
      if (providerId === '') continue; // an SMSC that gave no id: no report can name it
      const key = providerKey(transportId, providerId);
      const link: ProviderLink = { messageId, segment, recipient, linkedAt };
      const kept = this.providerLinks.get(key);
      if (kept === undefined) {
        this.providerLinks.set(key, link);
        continue;
      }
      const others = linksOf(kept).filter((l) => l.messageId !== messageId || l.segment !== segment);
      this.providerLinks.set(key, others.length === 0 ? link : [...others, link]);
    }
  }

  async purge(now: number, retention: RetentionPolicy): Promise<PurgeResult> {
    let messages = 0;
    const finalCutoff = now - retention.finalDays * DAY;
    const refusedCutoff = now - retention.refusedHours * HOUR;
    const since = (id: string) => restingSince(this.read(id)!)?.at ?? Infinity;
    for (const id of this.resting.takeDue(finalCutoff, refusedCutoff, since)) {
      this.remove(id);
      messages++;
    }
    const inboundCutoff = now - retention.inboundDays * DAY;
    let old = 0;
    while (old < this.inbound.length && this.inbound[old]!.receivedAt < inboundCutoff) old++;
    if (old > 0) this.inbound.splice(0, old);
    return { messages, inbound: old };
  }

  /** Forgets a message that rests, with its provider links and idempotency key. */
  private remove(id: string): void {
    const record = this.read(id);
    if (record === undefined) return;
    this.messages.delete(id);
    this.leases.delete(id);
    this.counts.set(record.state, this.counts.get(record.state)! - 1);
    if (record.idempotencyKey !== null && this.byIdempotencyKey.get(record.idempotencyKey) === id) {
      this.byIdempotencyKey.delete(record.idempotencyKey);
    }
    if (record.transportId !== null) {
      for (const providerId of record.providerIds) {
        if (providerId === null) continue;
        const key = providerKey(record.transportId, providerId);
        // A provider id the SMSC handed out again stays linked to the other messages.
        const rest = linksOf(this.providerLinks.get(key)).filter((link) => link.messageId !== id);
        if (rest.length === 0) this.providerLinks.delete(key);
        else this.providerLinks.set(key, rest.length === 1 ? rest[0]! : rest);
      }
    }
  }

  async findByProviderId(transportId: string, providerId: string): Promise<ProviderLink[]> {
    const kept = this.providerLinks.get(providerKey(transportId, providerId));
    if (kept === undefined) return [];
    if (!Array.isArray(kept)) return [{ ...kept }];
    return kept.map((link) => ({ ...link })).sort(newestFirst);
  }

  async saveInbound(message: InboundMessage): Promise<StoredInbound> {
    const stored = { ...message, id: randomUUID() };
    this.inbound.push(stored);
    return { ...stored };
  }

  async addInboundPart(part: InboundPart): Promise<InboundPart[] | null> {
    const key = inboundGroupKey(part);
    const group = this.inboundParts.get(key) ?? new Map<number, InboundPart>();
    this.inboundParts.set(key, group);
    if (!group.has(part.sequence)) group.set(part.sequence, { ...part });
    if (group.size < part.total) return null;
    this.inboundParts.delete(key);
    return [...group.values()].sort((a, b) => a.sequence - b.sequence);
  }

  async takeStaleInboundParts(cutoff: number): Promise<InboundPart[][]> {
    const stale: InboundPart[][] = [];
    for (const [key, group] of this.inboundParts) {
      const parts = [...group.values()].sort((a, b) => a.sequence - b.sequence);
      if (Math.min(...parts.map((p) => p.receivedAt)) >= cutoff) continue;
      this.inboundParts.delete(key);
      stale.push(parts);
    }
    return stale;
  }

  async listInbound(limit: number): Promise<StoredInbound[]> {
    return this.inbound.slice(-limit).reverse().map((m) => ({ ...m }));
  }

  async setOptOut(e164: string, optedOut: boolean): Promise<void> {
    if (optedOut) this.optedOut.add(e164);
    else this.optedOut.delete(e164);
  }

  async isOptedOut(e164: string): Promise<boolean> {
    return this.optedOut.has(e164);
  }

  // --- rate quotas and waits (see Store) ------------------------------------------------------

  private readonly quotas = new QuotaLog();

  async takeQuota(caps: QuotaCap[], now: number, token: string): Promise<QuotaResult> {
    return this.quotas.take(caps, now, token);
  }

  // --- submit rates of SMSC accounts (see Store, submit-slots.ts) ------------------------------

  private readonly slotLogs = new Map<string, SlotLog>();

  async takeSubmitSlot(account: string, perSecond: number, now: number): Promise<number> {
    return takeSlot(this.slotLog(account, now), perSecond, now);
  }

  async pauseSubmits(account: string, until: number, now: number): Promise<void> {
    pauseSlots(this.slotLog(account, now), until);
  }

  /** The account's log; those of accounts spent at `now` are forgotten first (there are few). */
  private slotLog(account: string, now: number): SlotLog {
    for (const [key, log] of this.slotLogs) if (isSpent(log, now)) this.slotLogs.delete(key);
    let log = this.slotLogs.get(account);
    if (log === undefined) this.slotLogs.set(account, (log = { times: [], pausedUntil: 0 }));
    return log;
  }

  async messageStates(ids: string[]): Promise<Map<string, MessageState>> {
    const states = new Map<string, MessageState>();
    for (const id of ids) {
      const state = this.read(id)?.state;
      if (state !== undefined) states.set(id, state);
    }
    return states;
  }

  // --- the event feed (memory-feed.ts) ---------------------------------------------------------

  private readonly feed = new MemoryFeed();

  async joinFeed(listener: string, kinds: readonly FeedKind[], now: number): Promise<void> {
    this.feed.join(listener, kinds, now);
  }

  async leaveFeed(listener: string): Promise<void> {
    this.feed.leave(listener);
  }

  async feedKinds(): Promise<Set<FeedKind>> {
    return this.feed.kinds();
  }

  async appendEvents(events: readonly FeedPayload[], now: number, maxEvents: number): Promise<void> {
    this.feed.append(events, now, maxEvents);
  }

  async readFeed(listeners: readonly string[], consumer: string, now: number, leaseMs: number, limit: number): Promise<Map<string, FeedEvent[]>> {
    return this.feed.read(listeners, consumer, now, leaseMs, limit);
  }

  async ackFeed(listener: string, ids: readonly string[]): Promise<void> {
    this.feed.ack(listener, ids);
  }

  async releaseFeed(listener: string, ids: readonly string[]): Promise<void> {
    this.feed.release(listener, ids);
  }

  async trimFeed(cutoff: number): Promise<number> {
    return this.feed.trim(cutoff);
  }

  // --- notes ---------------------------------------------------------------------------------

  async readNote(key: string): Promise<string | undefined> {
    return this.notes.get(key);
  }

  async writeNote(key: string, value: string | null): Promise<void> {
    if (value === null) this.notes.delete(key);
    else this.notes.set(key, value);
  }
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function providerKey(transportId: string, providerId: string): string {
  return `${transportId}\u0000${providerId}`;
}

function linksOf(kept: ProviderLink | ProviderLink[] | undefined): ProviderLink[] {
  return kept === undefined ? [] : Array.isArray(kept) ? kept : [kept];
}

/** The order findByProviderId gives: the latest submit first; message ids (UUID v7) grow with time. */
function newestFirst(a: ProviderLink, b: ProviderLink): number {
  return b.linkedAt - a.linkedAt || (a.messageId < b.messageId ? 1 : a.messageId > b.messageId ? -1 : 0);
}
