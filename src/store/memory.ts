/**
 * A store in the process's memory: for tests, and for users who accept losing the outbox on a
 * restart.
 *
 * Records are kept frozen (frozen-record.ts), and the frozen record itself is what every reader
 * gets. Copying each record in and out instead was about nine copies per message, a tenth of the
 * gateway's CPU time with this store and most of its garbage.
 */
import { randomUUID } from 'node:crypto';
import type { InboundMessage, InboundPart } from '../transport/types';
import { inboundGroupKey } from './inbound-parts';
import type { MessageState } from '../types';
import { copy, freeze } from './frozen-record';
import { LaterQueue } from './later-queue';
import type { MessageRecord, ProviderLink, Store, StoredInbound, UpdateOptions } from './types';

interface Lease {
  owner: string;
  until: number;
}

export class MemoryStore implements Store {
  readonly type = 'memory';
  private readonly messages = new Map<string, MessageRecord>();
  /** QUEUED ids that were due when stored or since, by priority (index 0..3), in the order they became due. */
  private readonly queued: Set<string>[] = [new Set(), new Set(), new Set(), new Set()];
  /** QUEUED ids not due yet when stored. */
  private readonly later = new LaterQueue();
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
    if (holder !== undefined) return { record: this.messages.get(holder)!, created: false };
    // A copy: the caller's record (and what it shares with others, the route's transport list)
    // is not ours to freeze.
    const stored = freeze(copy(record));
    this.messages.set(stored.id, stored);
    this.requeue(stored);
    if (key !== null) this.byIdempotencyKey.set(key, stored.id);
    return { record: stored, created: true };
  }

  async getMessage(id: string): Promise<MessageRecord | undefined> {
    return this.messages.get(id);
  }

  async updateMessage(
    id: string,
    change: (current: MessageRecord) => MessageRecord | undefined,
    options: UpdateOptions = {},
  ): Promise<MessageRecord | undefined> {
    if (options.link !== undefined) this.link(id, options.link.transportId, options.link.providerIds);
    const current = this.messages.get(id);
    if (current === undefined) return undefined;
    const changed = change(current);
    if (changed === undefined) return current;
    const next = freeze(changed);
    this.messages.set(id, next);
    this.requeue(next);
    this.leases.delete(id);
    return next;
  }

  /** Keeps the per-priority queues in step with a record that was stored. */
  private requeue(record: MessageRecord): void {
    for (const queue of this.queued) queue.delete(record.id);
    this.later.remove(record.id);
    if (record.state !== 'QUEUED') return;
    if (record.nextAttemptAt > Date.now()) this.later.add(record.id, record.nextAttemptAt);
    else this.queued[record.priority]!.add(record.id);
  }

  async claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<MessageRecord[]> {
    for (const id of this.later.takeDue(now)) this.queued[this.messages.get(id)!.priority]!.add(id);
    const due: MessageRecord[] = [];
    for (let priority = this.queued.length - 1; priority >= 0 && due.length < limit; priority--) {
      for (const id of this.queued[priority]!) {
        const message = this.messages.get(id)!;
        if (message.nextAttemptAt > now || this.isLeased(id, now)) continue;
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
    for (const id of [...this.queued.flatMap((queue) => [...queue]), ...this.later.ids()]) {
      const record = this.messages.get(id)!;
      if (record.nextAttemptAt <= now || record.error?.code !== 'TRANSPORT_UNAVAILABLE') continue;
      const next = freeze({ ...record, nextAttemptAt: now });
      this.messages.set(id, next);
      this.requeue(next);
      woken++;
    }
    return woken;
  }

  async nextDue(): Promise<number | null> {
    let earliest = this.later.earliest() ?? null;
    for (const queue of this.queued) {
      for (const id of queue) {
        const at = this.messages.get(id)!.nextAttemptAt;
        if (earliest === null || at < earliest) earliest = at;
      }
    }
    return earliest;
  }

  async countByState(): Promise<Partial<Record<MessageState, number>>> {
    const counts: Partial<Record<MessageState, number>> = {};
    for (const m of this.messages.values()) counts[m.state] = (counts[m.state] ?? 0) + 1;
    return counts;
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
}

function providerKey(transportId: string, providerId: string): string {
  return `${transportId}\u0000${providerId}`;
}
