/**
 * The memory store's event feed (see Store.joinFeed and the rest): the events in order of
 * their sequence number, and per listener its group: its kinds, its place in the feed and the
 * events it holds leased to a consumer until acknowledged.
 *
 * Every method runs without an await, so each is atomic in this process.
 */
import { onceKey } from './feed-once';
import type { FeedEvent, FeedKind, FeedPayload } from './types';

interface Stored {
  seq: number;
  at: number;
  payload: FeedPayload;
}

interface Group {
  kinds: Set<FeedKind>;
  /** The last sequence number this group has gone past. */
  cursor: number;
  seenAt: number;
  /** Sequence number → who holds it, until when. */
  pending: Map<number, { consumer: string; until: number }>;
}

export class MemoryFeed {
  /** `events[head..]` are the feed, in sequence order; the slots before `head` are trimmed. */
  private events: Stored[] = [];
  private head = 0;
  private lastSeq = 0;
  private readonly groups = new Map<string, Group>();
  /** The keys of the keyed events appended (feed-once.ts) → when, oldest first: kept as the events would be. */
  private readonly appendedKeys = new Map<string, number>();

  join(listener: string, kinds: readonly FeedKind[], now: number): void {
    const group = this.groups.get(listener);
    if (group === undefined) {
      this.groups.set(listener, { kinds: new Set(kinds), cursor: this.lastSeq, seenAt: now, pending: new Map() });
    } else {
      group.kinds = new Set(kinds);
      group.seenAt = now;
    }
  }

  leave(listener: string): void {
    this.groups.delete(listener);
  }

  kinds(): Set<FeedKind> {
    const kinds = new Set<FeedKind>();
    for (const group of this.groups.values()) for (const kind of group.kinds) kinds.add(kind);
    return kinds;
  }

  append(payloads: readonly FeedPayload[], now: number, maxEvents: number): void {
    for (const payload of payloads) {
      const key = onceKey(payload);
      if (key !== undefined) {
        if (this.appendedKeys.has(key)) continue;
        this.appendedKeys.set(key, now);
      }
      // A copy through JSON, as a store that keeps them elsewhere would give back.
      this.events.push({ seq: ++this.lastSeq, at: now, payload: JSON.parse(JSON.stringify(payload)) as FeedPayload });
    }
    const excess = this.events.length - this.head - Math.max(0, maxEvents);
    if (excess > 0) this.dropOldest(excess);
    for (const key of this.appendedKeys.keys()) {
      if (this.appendedKeys.size <= maxEvents) break;
      this.appendedKeys.delete(key);
    }
    // What every group has gone past and acknowledged is needed by nobody (a group that joins
    // later starts at the end): kept no longer, so the feed holds only what is still to hand on.
    const consumed = this.consumedUpTo();
    let done = 0;
    while (this.head + done < this.events.length && this.events[this.head + done]!.seq <= consumed) done++;
    if (done > 0) this.dropOldest(done);
  }

  /** The last sequence number every group has gone past and holds no lease at or before. */
  private consumedUpTo(): number {
    let upTo = this.lastSeq;
    for (const group of this.groups.values()) {
      upTo = Math.min(upTo, group.cursor);
      for (const seq of group.pending.keys()) upTo = Math.min(upTo, seq - 1);
    }
    return upTo;
  }

  read(listeners: readonly string[], consumer: string, now: number, leaseMs: number, limit: number): Map<string, FeedEvent[]> {
    const read = new Map<string, FeedEvent[]>();
    for (const listener of listeners) {
      const group = this.groups.get(listener);
      if (group === undefined) continue;
      const taken: FeedEvent[] = [];
      const lapsed = [...group.pending].filter(([, lease]) => lease.until <= now).map(([seq]) => seq).sort((a, b) => a - b);
      for (const seq of lapsed) {
        if (taken.length >= limit) break;
        const event = this.find(seq);
        if (event === undefined) {
          group.pending.delete(seq); // trimmed
          continue;
        }
        group.pending.set(seq, { consumer, until: now + leaseMs });
        taken.push(toFeedEvent(event, true));
      }
      let index = this.indexAfter(group.cursor);
      for (; index < this.events.length && taken.length < limit; index++) {
        const event = this.events[index]!;
        group.cursor = event.seq;
        if (!group.kinds.has(event.payload.kind)) continue;
        group.pending.set(event.seq, { consumer, until: now + leaseMs });
        taken.push(toFeedEvent(event, false));
      }
      if (taken.length > 0) read.set(listener, taken);
    }
    return read;
  }

  ack(listener: string, ids: readonly string[]): void {
    const group = this.groups.get(listener);
    if (group === undefined) return;
    for (const id of ids) group.pending.delete(Number(id));
  }

  release(listener: string, ids: readonly string[]): void {
    const group = this.groups.get(listener);
    if (group === undefined) return;
    for (const id of ids) {
      const lease = group.pending.get(Number(id));
      if (lease !== undefined) lease.until = -Infinity;
    }
  }

  trim(cutoff: number): number {
    let old = 0;
    while (this.head + old < this.events.length && this.events[this.head + old]!.at < cutoff) old++;
    this.dropOldest(old);
    for (const [key, at] of this.appendedKeys) {
      if (at >= cutoff) break;
      this.appendedKeys.delete(key);
    }
    for (const [listener, group] of this.groups) if (group.seenAt < cutoff) this.groups.delete(listener);
    return old;
  }

  private dropOldest(count: number): void {
    for (let i = this.head; i < this.head + count; i++) {
      const seq = this.events[i]!.seq;
      for (const group of this.groups.values()) group.pending.delete(seq);
    }
    this.head += count;
    // Compacted now and then, so that trimming costs no copy per event.
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }

  /** The index of the first event after `seq` (binary search: sequence numbers grow). */
  private indexAfter(seq: number): number {
    let low = this.head;
    let high = this.events.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.events[middle]!.seq <= seq) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private find(seq: number): Stored | undefined {
    const index = this.indexAfter(seq - 1);
    const event = this.events[index];
    return event?.seq === seq ? event : undefined;
  }
}

function toFeedEvent(event: Stored, redelivered: boolean): FeedEvent {
  return { id: String(event.seq), at: event.at, redelivered, payload: event.payload };
}
