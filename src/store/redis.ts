/**
 * The store on Redis (or Valkey): several gateway processes, on several machines, share one
 * outbox. Each step that changes shared state is one Lua script (redis/scripts.ts), so it is
 * atomic across every process; the data model is described in redis/keys.ts. Nothing another
 * process needs is kept only here: this class holds the connection and nothing else.
 *
 * Client: `redis` (node-redis), the client Redis itself maintains and recommends for new
 * projects; pure JavaScript (installs with `npm install --ignore-scripts`), TLS, ACL users,
 * RESP3, and `disableOfflineQueue`, which lets a call fail at once while Redis is unreachable
 * instead of queueing in memory. ioredis, which n8n ships, is in best-effort maintenance.
 *
 * Time: every step uses the `now` its caller passes, as the memory and sqlite stores do, not
 * Redis's TIME: the gateway's leases, retries and retention are reckoned in one clock per
 * caller, tests can set it, and scripts stay deterministic. Processes on several machines must
 * keep their clocks in step (NTP); a clock off by d makes a lease lapse d early or late there.
 *
 * Durability (Redis 7.0 has no WAITAOF): a send() resolves once Redis has applied the insert.
 * With `appendonly yes` and `appendfsync always`, Redis writes and fsyncs the AOF before it
 * answers, so an accepted message survives Redis being killed or the machine losing power.
 * With `appendfsync everysec` (Redis's default once AOF is on), up to about one second of
 * accepted writes (new messages, state changes, provider links) can be lost if Redis or its
 * machine dies; a Redis that only stops (SIGTERM, shutdown) loses nothing. Without AOF, RDB
 * snapshots lose everything since the last one. A replica does not change this (replication is
 * asynchronous): failing over to it can lose what it had not received yet. We recommend
 * `appendonly yes` with `appendfsync always` for the outbox; everysec where a second of lost
 * messages on a crash is acceptable for the throughput it buys.
 */
import { randomUUID } from 'node:crypto';
import { SmsGateError, type ErrorInfo } from '../errors';
import type { AcceptedSegment, InboundMessage, InboundPart } from '../transport/types';
import { FINAL_STATES, type MessageState } from '../types';
import { copy, freeze } from './frozen-record';
import { onceKey } from './feed-once';
import { inboundGroupKey } from './inbound-parts';
import { acceptSegments, applySegmentReport, bySegment, keepsLinkWait, markFailed, markRetry, markSubmitted, restingSince, takesReport } from './lifecycle';
import { callError, connect, parseRedisUrl, type Client, type RedisAddress, type RedisTlsFiles } from './redis/connection';
import { PRIORITIES, keyBase, linkField, linkValue, providerLinkKey } from './redis/keys';
import { SCRIPTS, type Script } from './redis/scripts';
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

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://...`. */
  url: string;
  /** What every key begins with (as `{prefix}:`); default `smsgate`. */
  prefix?: string;
  tls?: RedisTlsFiles;
  /** How long open() may take before it gives up. Default 10 s. */
  openTimeoutMs?: number;
  /**
   * How long a call waits for Redis's answer before it fails with STORE_UNAVAILABLE: a Redis
   * that hangs (stopped, swapping, a network that drops packets) keeps the TCP connection open,
   * and without this every call, and so send() and the flows behind it, would wait for ever.
   * A call that timed out may still have been carried out (its answer is dropped). Default 10 s.
   */
  callTimeoutMs?: number;
}

const DEFAULT_CALL_TIMEOUT_MS = 10_000;

/** What a transition checks on the stored message besides its version (see scripts.ts WRITE). */
type Condition = 'any' | 'queued' | 'owner' | 'free';

interface Step {
  condition: Condition;
  owner?: string | null;
  now: number;
  endsLease: boolean;
  /** The transport ids a message set aside waits for. */
  waits?: readonly string[];
  /** Provider ids to link, whatever the outcome: (transport, segments), with the recipient and time. */
  links?: { transportId: string; segments: readonly AcceptedSegment[] };
}

/** Versions that moved under one transition before it gives up: only heavy contention on one message gets near. */
const MAX_CONFLICTS = 100;
/** Messages (and inbound messages, stale part groups) one script removes at most: no script runs long. */
const CHUNK = 1000;
/** How many records `recent` keeps: the messages in flight and awaiting reports, with room. */
const RECENT_RECORDS = 4096;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export class RedisStore implements Store {
  readonly type = 'redis';
  readonly prefix: string;
  private readonly base: string;
  private client: Client | undefined;
  private readonly address: RedisAddress;
  private lostWith: SmsGateError | undefined;
  /**
   * The records this process claimed or changed last, with their versions, so that the steps
   * after a claim (submitted, then the report) need no read first: a transition stores its
   * change only if the version is still the one it started from, so a record another process
   * changed since is caught by the script ('conflict'), read afresh and the change made again.
   * Reads for callers (getMessage, messageStates) always go to Redis.
   */
  private readonly recent = new RecentRecords(RECENT_RECORDS);
  /** Every call's options: bounded in time, also once sent (see callTimeoutMs). */
  private readonly call: { timeout: number; rejectInFlight: true };

  constructor(private readonly options: RedisStoreOptions) {
    // A malformed URL is refused here already, naming store.url.
    this.address = parseRedisUrl(options.url);
    this.prefix = options.prefix ?? 'smsgate';
    checkPrefix(this.prefix);
    this.base = keyBase(this.prefix);
    this.call = { timeout: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, rejectInFlight: true };
  }

  /** Whether the connection is up now (while it is not, calls fail with STORE_UNAVAILABLE). */
  get connected(): boolean {
    return this.client?.isReady ?? false;
  }

  /** Why the connection was last lost or could not be made again (never with the password). */
  get lastError(): SmsGateError | undefined {
    return this.lostWith;
  }

  async open(): Promise<void> {
    if (this.client !== undefined) return;
    this.client = await connect(this.options, (err) => (this.lostWith = err));
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client === undefined) return;
    // close() waits for replies in flight; while Redis is down there is nothing to wait for, and
    // one that hangs gets a call's time to answer them.
    if (!client.isReady) return client.destroy();
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.call.timeout)));
    await Promise.race([client.close().catch(() => undefined), hung]);
    clearTimeout(timer);
    if (client.isOpen) client.destroy();
  }

  // --- calls ----------------------------------------------------------------------------------

  private opened(): Client {
    if (this.client === undefined) throw new SmsGateError('STORE_ERROR', 'the Redis store is not open', { field: 'store' });
    return this.client;
  }

  /** One command; a failure as STORE_UNAVAILABLE (unreachable) or STORE_ERROR. */
  private async command<T>(args: string[]): Promise<T> {
    const client = this.opened();
    try {
      return (await client.sendCommand(args, this.call)) as T;
    } catch (err) {
      throw callError(err, this.address);
    }
  }

  /** Runs a script by its hash, sending its source when Redis has not seen it (or restarted since). */
  private async run<T>(script: Script, args: (string | number)[]): Promise<T> {
    const client = this.opened();
    const argv = [this.base, ...args.map(String)];
    try {
      try {
        return (await client.sendCommand(['EVALSHA', script.sha1, '0', ...argv], this.call)) as T;
      } catch (err) {
        if (!/NOSCRIPT/.test((err as Error).message ?? '')) throw err;
        return (await client.sendCommand(['EVAL', script.source, '0', ...argv], this.call)) as T;
      }
    } catch (err) {
      throw callError(err, this.address);
    }
  }

  private key(name: string): string {
    return this.base + name;
  }

  // --- accepting and reading ------------------------------------------------------------------

  async insertMessage(record: MessageRecord): Promise<{ record: MessageRecord; created: boolean }> {
    if (!PRIORITIES.includes(record.priority as (typeof PRIORITIES)[number])) {
      throw new SmsGateError('STORE_ERROR', `priority must be 0 to 3, got ${record.priority}`, { field: 'priority' });
    }
    const rest = restingSince(record);
    const reply = await this.run<[number, string?, string?]>(SCRIPTS.insert, [
      record.id,
      record.idempotencyKey ?? '',
      JSON.stringify(record),
      record.state,
      record.nextAttemptAt,
      record.priority,
      rest === null ? '' : rest.at,
      rest?.refused ? '1' : '0',
    ]);
    if (reply[0] === 0) return { record: parseRecord(reply[1]!, reply[2]!), created: false };
    // A copy: the caller's record is not ours to freeze.
    return { record: freeze(copy(record)), created: true };
  }

  async getMessage(id: string): Promise<MessageRecord | undefined> {
    return (await this.read(id))?.record;
  }

  /** A message as stored, with the version a transition compares. */
  private async read(id: string): Promise<Versioned | undefined> {
    const [doc, next, version] = await this.command<(string | null)[]>(['HMGET', this.key(`m:${id}`), 'doc', 'next', 'ver']);
    if (doc == null || next == null || version == null) return undefined;
    return { record: parseRecord(doc, next), version };
  }

  async countByState(): Promise<Partial<Record<MessageState, number>>> {
    const counts = await this.command<Record<string, string>>(['HGETALL', this.key('counts')]);
    const result: Partial<Record<MessageState, number>> = {};
    for (const [state, count] of Object.entries(counts)) if (Number(count) > 0) result[state as MessageState] = Number(count);
    return result;
  }

  // --- the outbox: claims and leases ----------------------------------------------------------

  async claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<MessageRecord[]> {
    if (limit <= 0) return [];
    const reply = await this.run<string[]>(SCRIPTS.claim, [now, limit, owner, now + leaseMs]);
    const records: MessageRecord[] = [];
    for (let i = 0; i < reply.length; i += 3) {
      const record = parseRecord(reply[i]!, reply[i + 1]!);
      this.recent.set(record.id, { record, version: reply[i + 2]! });
      records.push(record);
    }
    return records;
  }

  async renewLeases(ids: string[], owner: string, until: number): Promise<string[]> {
    if (ids.length === 0) return [];
    return this.run<string[]>(SCRIPTS.renew, [owner, until, ...ids]);
  }

  async releaseLease(id: string, owner: string): Promise<void> {
    // A released message is claimable at once: `now` 0 puts it in its queue, not the leases.
    await this.run(SCRIPTS.release, [id, owner, 0]);
  }

  async nextDue(): Promise<number | null> {
    const [first] = await this.command<[string, number][]>(['ZRANGE', this.key('queued'), '0', '0', 'WITHSCORES']);
    return first === undefined ? null : Number(first[1]);
  }

  // --- the outbox: transitions ----------------------------------------------------------------

  /**
   * The one way a message changes: reads it, builds the next record with `change` (undefined:
   * leave it), and stores it in one script only if nobody changed it since and `step`'s
   * condition holds; read again and retried when somebody did. Provider links in `step` are
   * made in the same script, whatever the outcome.
   */
  private async transition(id: string, change: (current: MessageRecord) => MessageRecord | undefined, step: Step): Promise<Transition | undefined> {
    for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
      // The remembered record first: a stale one is refused by its version, and read again. Its
      // state answers "not QUEUED" or "segment reported" truly even when stale: those never go back.
      const current = (attempt === 0 ? this.recent.get(id) : undefined) ?? (await this.read(id));
      if (current === undefined) return undefined;
      const links = linkArgs(step.links, current.record, step.now);
      const changed = change(current.record);
      if (changed === undefined && links.length === 0) return undefined;
      const rest = changed === undefined ? null : restingSince(changed);
      const reply = await this.run<string>(SCRIPTS.write, [
        id,
        current.version,
        step.condition,
        step.owner ?? '',
        step.now,
        changed === undefined ? '' : JSON.stringify(changed),
        changed?.state ?? '',
        changed?.nextAttemptAt ?? '',
        changed?.priority ?? '',
        rest === null ? '' : rest.at,
        rest?.refused ? '1' : '0',
        step.endsLease ? '1' : '0',
        (step.waits ?? []).join('\n'),
        changed !== undefined && keepsLinkWait(current.record, changed) ? '1' : '0',
        links.length / 3,
        ...links,
      ]);
      if (reply === 'conflict') {
        this.recent.delete(id);
        continue;
      }
      if (reply !== 'ok' || changed === undefined) return undefined;
      const record = freeze(changed);
      if (FINAL_STATES.has(record.state)) this.recent.delete(id);
      else this.recent.set(id, { record, version: String(Number(current.version) + 1) });
      return { record, previous: current.record.state };
    }
    throw new SmsGateError('STORE_ERROR', `message ${id} kept changing under ${MAX_CONFLICTS} tries to change it`, { field: 'store' });
  }

  async markSubmitted(
    id: string,
    _owner: string,
    { transportId, providerIds, now }: { transportId: string; providerIds: string[]; now: number },
  ): Promise<Transition | undefined> {
    // Linked whatever the state: the submit happened, and its reports are about this message.
    return this.transition(id, (current) => (current.state === 'QUEUED' ? markSubmitted(current, transportId, providerIds, now) : undefined), {
      condition: 'queued',
      now,
      endsLease: true,
      links: { transportId, segments: bySegment(providerIds) },
    });
  }

  async acceptSegments(
    id: string,
    _owner: string,
    { transportId, segments, now }: { transportId: string; segments: readonly AcceptedSegment[]; now: number },
  ): Promise<Transition | undefined> {
    // The lease holds while segments remain: the outbox retries the rest under it.
    return this.transition(id, (current) => (current.state === 'QUEUED' ? acceptSegments(current, transportId, segments, now) : undefined), {
      condition: 'queued',
      now,
      endsLease: false,
      links: { transportId, segments },
    });
  }

  retry(
    id: string,
    owner: string,
    { attempts, at, error, now }: { attempts: number; at: number; error: ErrorInfo | null; now: number },
  ): Promise<Transition | undefined> {
    return this.outboxStep(id, owner, now, (current) => markRetry(current, error, attempts, at, now));
  }

  setAside(
    id: string,
    owner: string,
    { waitingFor, until, error, now }: { waitingFor: string[]; until: number; error: ErrorInfo; now: number },
  ): Promise<Transition | undefined> {
    return this.outboxStep(id, owner, now, (current) => markRetry(current, error, current.attempts, until, now), waitingFor);
  }

  fail(id: string, owner: string | null, { error, now }: { error: ErrorInfo; now: number }): Promise<Transition | undefined> {
    return this.outboxStep(id, owner, now, (current) => markFailed(current, error, now));
  }

  /** Only while QUEUED and leased by `owner`; with no owner (an operator's drop), under no live lease. */
  private outboxStep(
    id: string,
    owner: string | null,
    now: number,
    change: (current: MessageRecord) => MessageRecord,
    waits?: readonly string[],
  ): Promise<Transition | undefined> {
    return this.transition(id, (current) => (current.state === 'QUEUED' ? change(current) : undefined), {
      condition: owner === null ? 'free' : 'owner',
      owner,
      now,
      endsLease: true,
      ...(waits === undefined ? {} : { waits }),
    });
  }

  async wakeWaitingFor(transportId: string, now: number): Promise<number> {
    return this.run<number>(SCRIPTS.wake, [transportId, now]);
  }

  // --- delivery reports -----------------------------------------------------------------------

  async findByProviderId(transportId: string, providerId: string): Promise<ProviderLink[]> {
    const links = await this.command<Record<string, string>>(['HGETALL', this.key(providerLinkKey(transportId, providerId))]);
    return Object.entries(links)
      .map(([field, value]) => {
        const [messageId, segment] = splitOnce(field);
        const [linkedAt, recipient] = splitOnce(value);
        return { messageId, segment: Number(segment), recipient, linkedAt: Number(linkedAt) };
      })
      .sort(newestFirst);
  }

  applyReport(id: string, segment: number, state: MessageState, now: number, condition: ReportCondition = 'unreported'): Promise<Transition | undefined> {
    // A report may race ahead of its submit being recorded: the lease of the message being submitted holds.
    return this.transition(id, (current) => (takesReport(current, segment, condition) ? applySegmentReport(current, segment, state, now) : undefined), {
      condition: 'any',
      now,
      endsLease: false,
    });
  }

  // --- inbound --------------------------------------------------------------------------------

  async saveInbound(message: InboundMessage): Promise<StoredInbound> {
    const stored = { ...message, id: randomUUID() };
    await this.run(SCRIPTS.saveInbound, [stored.id, stored.receivedAt, JSON.stringify(stored)]);
    return stored;
  }

  async addInboundPart(part: InboundPart): Promise<InboundPart[] | null> {
    const parts = await this.run<string[] | null>(SCRIPTS.addPart, [inboundGroupKey(part), part.sequence, part.receivedAt, JSON.stringify(part), part.total]);
    return parts === null ? null : inOrder(parts);
  }

  async takeStaleInboundParts(cutoff: number): Promise<InboundPart[][]> {
    const bound = cutoff === Infinity ? '+inf' : `(${cutoff}`;
    const stale: InboundPart[][] = [];
    // Bounded: each round removes what it returns, and there are only so many groups.
    for (let groups = CHUNK; groups === CHUNK; ) {
      const taken = await this.run<string[][]>(SCRIPTS.takeStaleParts, [bound, CHUNK]);
      stale.push(...taken.map(inOrder));
      groups = taken.length;
    }
    return stale;
  }

  async listInbound(limit: number): Promise<StoredInbound[]> {
    if (limit <= 0) return [];
    const docs = await this.run<string[]>(SCRIPTS.listInbound, [limit]);
    return docs.map((doc) => JSON.parse(doc) as StoredInbound);
  }

  async setOptOut(e164: string, optedOut: boolean): Promise<void> {
    if (optedOut) await this.command(['HSET', this.key('optout'), e164, String(Date.now())]);
    else await this.command(['HDEL', this.key('optout'), e164]);
  }

  async isOptedOut(e164: string): Promise<boolean> {
    return (await this.command<number>(['HEXISTS', this.key('optout'), e164])) === 1;
  }

  // --- rate quotas and waits ------------------------------------------------------------------

  async takeQuota(caps: QuotaCap[], now: number, token: string): Promise<QuotaResult> {
    if (caps.length === 0) return { taken: true };
    const refusedBy = await this.run<number>(SCRIPTS.takeQuota, [now, token, ...caps.flatMap((cap) => [cap.key, cap.windowMs, cap.max])]);
    return refusedBy < 0 ? { taken: true } : { taken: false, refusedBy };
  }

  // --- submit rates of SMSC accounts (submit-slots.ts) -----------------------------------------

  async takeSubmitSlot(account: string, perSecond: number, now: number): Promise<number> {
    return this.run<number>(SCRIPTS.takeSubmitSlot, [account, perSecond, now]);
  }

  async pauseSubmits(account: string, until: number, now: number): Promise<void> {
    await this.run(SCRIPTS.pauseSubmits, [account, until, now]);
  }

  async messageStates(ids: string[]): Promise<Map<string, MessageState>> {
    if (ids.length === 0) return new Map();
    const states = await this.run<string[]>(SCRIPTS.states, ids);
    const found = new Map<string, MessageState>();
    ids.forEach((id, i) => {
      if (states[i]) found.set(id, states[i] as MessageState);
    });
    return found;
  }

  // --- the event feed (see Store; scripts.ts) --------------------------------------------------

  async joinFeed(listener: string, kinds: readonly FeedKind[], now: number): Promise<void> {
    await this.run(SCRIPTS.joinFeed, [listener, kinds.join(','), now]);
  }

  async leaveFeed(listener: string): Promise<void> {
    await this.run(SCRIPTS.leaveFeed, [listener]);
  }

  async feedKinds(): Promise<Set<FeedKind>> {
    const groups = await this.command<string[]>(['HVALS', this.key('feed:groups')]);
    const kinds = new Set<FeedKind>();
    for (const group of groups) for (const kind of group.split('|')[2]!.split(',')) if (kind !== '') kinds.add(kind as FeedKind);
    return kinds;
  }

  async appendEvents(events: readonly FeedPayload[], now: number, maxEvents: number): Promise<void> {
    await this.run(SCRIPTS.appendEvents, [now, maxEvents, ...events.flatMap((event) => [event.kind, onceKey(event) ?? '', JSON.stringify(event)])]);
  }

  async readFeed(listeners: readonly string[], consumer: string, now: number, leaseMs: number, limit: number): Promise<Map<string, FeedEvent[]>> {
    void consumer; // whoever holds a lease: an acknowledgement from any consumer ends it (Store.ackFeed)
    const read = new Map<string, FeedEvent[]>();
    if (listeners.length === 0 || limit <= 0) return read;
    const reply = await this.run<string[]>(SCRIPTS.readFeed, [now, now + leaseMs, limit, ...listeners]);
    for (let i = 0; i < reply.length; i += 5) {
      const listener = reply[i]!;
      const event: FeedEvent = { id: reply[i + 1]!, at: Number(reply[i + 2]), redelivered: reply[i + 3] === '1', payload: JSON.parse(reply[i + 4]!) as FeedPayload };
      const events = read.get(listener) ?? [];
      read.set(listener, [...events, event]);
    }
    return read;
  }

  async ackFeed(listener: string, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.run(SCRIPTS.ackFeed, [listener, ...ids]);
  }

  async releaseFeed(listener: string, ids: readonly string[]): Promise<void> {
    // XX: only a lease still there (an event acknowledged meanwhile is not leased again).
    if (ids.length > 0) await this.command(['ZADD', this.key(`feed:p:${listener}`), 'XX', ...ids.flatMap((id) => ['0', id])]);
  }

  async trimFeed(cutoff: number): Promise<number> {
    let trimmed = 0;
    // Bounded: each round removes what it counts, and the feed holds at most maxEvents.
    for (let removed = CHUNK; removed === CHUNK; trimmed += removed) {
      removed = await this.run<number>(SCRIPTS.trimFeed, [cutoff, CHUNK]);
    }
    return trimmed;
  }

  // --- notes ----------------------------------------------------------------------------------

  async readNote(key: string): Promise<string | undefined> {
    return (await this.command<string | null>(['HGET', this.key('notes'), key])) ?? undefined;
  }

  async writeNote(key: string, value: string | null): Promise<void> {
    if (value === null) await this.command(['HDEL', this.key('notes'), key]);
    else await this.command(['HSET', this.key('notes'), key, value]);
  }

  // --- retention ------------------------------------------------------------------------------

  async purge(now: number, retention: RetentionPolicy): Promise<PurgeResult> {
    const finalCutoff = now - retention.finalDays * DAY;
    const refusedCutoff = now - retention.refusedHours * HOUR;
    const inboundCutoff = now - retention.inboundDays * DAY;
    let messages = 0;
    // Bounded: each chunk removes what rests past its time, which only shrinks.
    for (let removed = CHUNK; removed === CHUNK; messages += removed) {
      removed = await this.run<number>(SCRIPTS.purgeMessages, [finalCutoff, refusedCutoff, CHUNK]);
    }
    let inbound = 0;
    for (let removed = CHUNK; removed === CHUNK; inbound += removed) {
      removed = await this.run<number>(SCRIPTS.purgeInbound, [inboundCutoff, CHUNK]);
    }
    return { messages, inbound };
  }
}

interface Versioned {
  record: MessageRecord;
  version: string;
}

/** The last `limit` records set, by id; setting one again makes it the newest. */
class RecentRecords {
  private readonly records = new Map<string, Versioned>();

  constructor(private readonly limit: number) {}

  get(id: string): Versioned | undefined {
    return this.records.get(id);
  }

  set(id: string, versioned: Versioned): void {
    this.records.delete(id);
    this.records.set(id, versioned);
    if (this.records.size > this.limit) this.records.delete(this.records.keys().next().value!);
  }

  delete(id: string): void {
    this.records.delete(id);
  }
}

/** A prefix goes into every key inside a hash tag: no braces, and short. */
function checkPrefix(prefix: string): void {
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix)) {
    throw new SmsGateError('CONFIG_INVALID', `store.prefix: expected 1-64 letters, digits or _.:-, got ${JSON.stringify(prefix)}`, {
      field: 'store.prefix',
    });
  }
}

/** A stored record: its JSON, with nextAttemptAt from its own field (which wakeWaitingFor changes alone). */
function parseRecord(doc: string, next: string | number): MessageRecord {
  const record = JSON.parse(doc) as MessageRecord;
  record.nextAttemptAt = Number(next);
  return freeze(record);
}

/** The script arguments that link `segments` to the message: key, field, value for each. */
function linkArgs(links: Step['links'], record: MessageRecord, now: number): string[] {
  if (links === undefined) return [];
  const args: string[] = [];
  for (const { segment, providerId } of links.segments) {
    if (providerId === '') continue; // an SMSC that gave no id: no report can name it
    args.push(providerLinkKey(links.transportId, providerId), linkField(record.id, segment), linkValue(now, record.recipient.e164));
  }
  return args;
}

function splitOnce(text: string): [string, string] {
  const at = text.indexOf('\n');
  return [text.slice(0, at), text.slice(at + 1)];
}

function inOrder(parts: string[]): InboundPart[] {
  return parts.map((part) => JSON.parse(part) as InboundPart).sort((a, b) => a.sequence - b.sequence);
}

/** The order findByProviderId gives: the latest submit first; message ids (UUID v7) grow with time. */
function newestFirst(a: ProviderLink, b: ProviderLink): number {
  return b.linkedAt - a.linkedAt || (a.messageId < b.messageId ? 1 : a.messageId > b.messageId ? -1 : 0);
}
