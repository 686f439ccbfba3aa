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
import type { InboundMessage, InboundPart } from '../transport/types';
import { inboundGroupKey } from './inbound-parts';
import { FINAL_STATES, type MessageState } from '../types';
import { copy, freeze } from './frozen-record';
import { LaterQueue } from './later-queue';
import { pack, unpack } from './packed-record';
import { QuotaLog } from './quota-log';
import type { MessageRecord, ProviderLink, QuotaCap, QuotaResult, Store, StoredInbound, UpdateOptions } from './types';

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
  /** QUEUED messages whose last error is TRANSPORT_UNAVAILABLE. */
  private readonly waitingForLink = new Set<string>();
  private readonly counts = new Map<MessageState, number>();
  private readonly byIdempotencyKey = new Map<string, string>();
  private readonly leases = new Map<string, Lease>();
  private readonly providerLinks = new Map<string, ProviderLink>();
  private readonly inbound: StoredInbound[] = [];
  /** Parts of concatenated inbound messages by group, each group by sequence number. */
  private readonly inboundParts = new Map<string, Map<number, InboundPart>>();
  private readonly optedOut = new Set<string>();

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

  async updateMessage(
    id: string,
    change: (current: MessageRecord) => MessageRecord | undefined,
    options: UpdateOptions = {},
  ): Promise<MessageRecord | undefined> {
    if (options.link !== undefined) this.link(id, options.link.transportId, options.link.providerIds);
    const current = this.read(id);
    if (current === undefined) return undefined;
    const changed = change(current);
    if (changed === undefined) return current;
    const next = freeze(changed);
    this.put(next, current);
    this.leases.delete(id);
    return next;
  }

  /** Stores a record, and keeps the queues and the counts in step with it. */
  private put(record: MessageRecord, previous: MessageRecord | undefined): void {
    const id = record.id;
    if (previous !== undefined) {
      this.counts.set(previous.state, this.counts.get(previous.state)! - 1);
      if (previous.state === 'QUEUED') {
        this.queued[previous.priority]!.delete(id);
        this.later[previous.priority]!.remove(id);
        this.waitingForLink.delete(id);
      }
    }
    this.counts.set(record.state, (this.counts.get(record.state) ?? 0) + 1);
    let rests = FINAL_STATES.has(record.state) || (record.state === 'SUBMITTED' && !record.deliveryReport);
    if (record.state === 'QUEUED') {
      if (record.error?.code === 'TRANSPORT_UNAVAILABLE') this.waitingForLink.add(id);
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

  async releaseLease(id: string): Promise<void> {
    this.leases.delete(id);
  }

  async leaseOwners(): Promise<string[]> {
    return [...new Set([...this.leases.values()].map((l) => l.owner))];
  }

  async releaseLeasesOf(owner: string): Promise<number> {
    let released = 0;
    for (const [id, lease] of this.leases) {
      if (lease.owner === owner) {
        this.leases.delete(id);
        released++;
      }
    }
    return released;
  }

  async wakeWaitingForLink(now: number): Promise<number> {
    let woken = 0;
    for (const id of [...this.waitingForLink]) {
      const record = this.read(id)!;
      if (record.nextAttemptAt <= now) continue;
      this.put(freeze({ ...record, nextAttemptAt: now }), record);
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

  private link(messageId: string, transportId: string, providerIds: string[]): void {
    providerIds.forEach((providerId, segment) =>
      this.providerLinks.set(providerKey(transportId, providerId), { messageId, segment }),
    );
  }

  async findByProviderId(transportId: string, providerId: string): Promise<ProviderLink | undefined> {
    const link = this.providerLinks.get(providerKey(transportId, providerId));
    return link && { ...link };
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

  async messageStates(ids: string[]): Promise<Map<string, MessageState>> {
    const states = new Map<string, MessageState>();
    for (const id of ids) {
      const state = this.read(id)?.state;
      if (state !== undefined) states.set(id, state);
    }
    return states;
  }
}

function providerKey(transportId: string, providerId: string): string {
  return `${transportId}\u0000${providerId}`;
}
