/**
 * The store keeps what must survive a restart: the outbox, the provider-id → message
 * correlation, inbound messages and the opt-out list.
 *
 * The interface is shaped for several gateway processes on several machines sharing one store
 * (a sqlite file today, Redis next). Each step that changes a message is a named transition with
 * its condition spelled out ("only while QUEUED and leased by me"), so that a store can run each
 * as one atomic step: a transaction in sqlite, one Lua script in Redis. No step takes a
 * JavaScript function to run inside the store.
 *
 * Leases: `claimDue` leases messages to an owner (a random id per gateway instance) until a
 * time; the owner renews them while it still holds them (`renewLeases`) and a transition ends
 * them. A lease that lapsed (its process died, or stalled) is simply claimable by anyone; no
 * host name or pid is involved, so processes on other machines recover each other's work.
 *
 * Records a store hands out are for reading: a store may hand the same frozen record to every
 * reader (the memory store does).
 */
import type { Encoding, EncodingChoice, NationalLanguage } from '../encoding';
import type { ErrorInfo } from '../errors';
import type { AcceptedSegment, DeliveryReport, InboundMessage, InboundPart } from '../transport/types';
import type { MessageState, NumberInfo, SenderAddress } from '../types';

export interface MessageRecord {
  id: string;
  /** A client's own key: a second send() with the same key returns this record instead. */
  idempotencyKey: string | null;
  recipient: NumberInfo;
  /** The sender as validated at acceptance, with the TON/NPI it goes out with. */
  sender: SenderAddress | null;
  text: string;
  /** How to encode it again at submit time; the reference keeps resubmits identical. */
  encoding: Encoding;
  encodingChoice: EncodingChoice;
  smart: boolean;
  nationalLanguages: NationalLanguage[];
  reference16: boolean;
  reference: number | null;
  segments: number;
  tag: string | null;
  /** A caller's value that comes back with every state change and delivery report. */
  correlation: string | null;
  deliveryReport: boolean;
  priority: number;
  /** Epoch ms before which it must not be delivered; null: at once. */
  scheduledAt: number | null;
  /** Transport ids the route allows, in the order to try them. */
  transports: string[];
  /** The transport that accepted it. */
  transportId: string | null;
  state: MessageState;
  attempts: number;
  /** Epoch ms; the outbox takes a QUEUED message once this has passed. */
  nextAttemptAt: number;
  /** Epoch ms after which it is no longer worth sending. */
  validUntil: number;
  createdAt: number;
  updatedAt: number;
  submittedAt: number | null;
  doneAt: number | null;
  /**
   * One per segment once SUBMITTED. While QUEUED after a partial submit, null for each segment
   * not accepted yet (and `transportId` the transport that accepted the others).
   */
  providerIds: (string | null)[];
  /** Per segment: the state its delivery report gave, null until one came. */
  segmentStates: (MessageState | null)[];
  error: ErrorInfo | null;
}

/**
 * A segment's provider id, linked to its message when the submit was recorded. An SMSC that
 * restarts (or wraps its counter) hands the same id out again, so one (transport, provider id)
 * may link several messages over time: each link says enough to tell them apart without reading
 * the message.
 */
export interface ProviderLink {
  messageId: string;
  segment: number;
  /** The message's recipient (E.164), which a report's address is checked against. */
  recipient: string;
  /** Epoch ms the submit was recorded (markSubmitted's `now`). */
  linkedAt: number;
}

/**
 * What must hold for a report to be recorded (`applyReport`): `awaiting`, the message is not in a
 * final state and the segment has no final state yet (the report belongs to a submit still
 * waiting for it); `unreported`, the segment has no final state yet, whatever the message's.
 */
export type ReportCondition = 'awaiting' | 'unreported';

export interface StoredInbound extends InboundMessage {
  id: string;
}

/** A transition that happened: the record as stored now, and the state it left. */
export interface Transition {
  record: MessageRecord;
  previous: MessageState;
}

/** How long a store keeps what is done (see `purge`). Fractions are allowed (tests, benches). */
export interface RetentionPolicy {
  /** Messages in a final state (and SUBMITTED ones with no report to come), with their provider links. */
  finalDays: number;
  /** Messages refused at acceptance (REJECTED by the route table or the guard, never submitted). */
  refusedHours: number;
  /** Inbound messages. */
  inboundDays: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { finalDays: 7, refusedHours: 24, inboundDays: 7 };

export interface PurgeResult {
  messages: number;
  inbound: number;
}

export interface Store {
  readonly type: string;
  open(): Promise<void>;
  close(): Promise<void>;

  // --- accepting and reading ------------------------------------------------------------------

  /** Inserts, unless the idempotency key is taken: then returns the record that holds it. */
  insertMessage(record: MessageRecord): Promise<{ record: MessageRecord; created: boolean }>;
  getMessage(id: string): Promise<MessageRecord | undefined>;
  countByState(): Promise<Partial<Record<MessageState, number>>>;

  // --- the outbox: claims and leases ----------------------------------------------------------

  /**
   * Takes up to `limit` QUEUED messages whose time has come and whose lease is absent or lapsed
   * (`lease until <= now`), highest priority first, then by due time and arrival, and leases
   * them to `owner` until `now + leaseMs`.
   */
  claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<MessageRecord[]>;
  /**
   * Extends to `until` the leases of those of `ids` that are still QUEUED and leased by `owner`;
   * returns the ids it extended (one that another owner took after a lapse is not among them).
   */
  renewLeases(ids: string[], owner: string, until: number): Promise<string[]>;
  /** Ends `owner`'s lease of a message without changing it; another's lease is left alone. */
  releaseLease(id: string, owner: string): Promise<void>;
  /** The earliest nextAttemptAt among QUEUED messages, or null when the outbox is empty. */
  nextDue(): Promise<number | null>;

  // --- the outbox: transitions (each atomic, each ends the lease) -------------------------------

  /**
   * Only while QUEUED (whoever holds the lease: the submit has happened): SUBMITTED by
   * `transportId`, attempts + 1, and its provider ids (one per segment) linked to it in the same
   * step, so a report finds it by them across restarts. Reports that raced ahead (segment
   * states already stored) are folded in, which may take it straight to a final state.
   */
  markSubmitted(id: string, owner: string, submit: { transportId: string; providerIds: string[]; now: number }): Promise<Transition | undefined>;
  /**
   * Only while QUEUED (whoever holds the lease: these submits have happened): the provider ids
   * of segments `transportId` accepted, each linked to it in the same step (a provider id is
   * linked whatever the state, as by markSubmitted). A segment accepted before keeps its first
   * id. While segments remain unaccepted the message stays QUEUED and the lease is left alone
   * (the outbox goes on to retry the rest); once all are accepted it is SUBMITTED as by
   * markSubmitted. Used for partial submits and for a segment accepted late (LateAcceptance).
   */
  acceptSegments(id: string, owner: string, accepted: { transportId: string; segments: readonly AcceptedSegment[]; now: number }): Promise<Transition | undefined>;
  /**
   * Only while QUEUED and leased by `owner`: due again at `at`, with `attempts` and the last
   * error (null: a wait that is no failure, such as a schedule the transport cannot carry).
   */
  retry(id: string, owner: string, retry: { attempts: number; at: number; error: ErrorInfo | null; now: number }): Promise<Transition | undefined>;
  /**
   * Only while QUEUED and leased by `owner`: set aside until one of `waitingFor` (the route's
   * transport ids) comes up (`wakeWaitingFor`), or `until` (the end of its validity), with the
   * error that says why. Attempts are not used up.
   */
  setAside(id: string, owner: string, aside: { waitingFor: string[]; until: number; error: ErrorInfo; now: number }): Promise<Transition | undefined>;
  /**
   * Only while QUEUED and leased by `owner`: FAILED with `error`. With `owner` null (an
   * operator's drop): only while QUEUED and under no live lease, so a message a gateway is
   * submitting right now is not failed behind its back.
   */
  fail(id: string, owner: string | null, failure: { error: ErrorInfo; now: number }): Promise<Transition | undefined>;
  /**
   * Makes due at `now` the messages set aside that wait for `transportId`, and only those;
   * they no longer wait for any link. Returns how many.
   */
  wakeWaitingFor(transportId: string, now: number): Promise<number>;

  // --- delivery reports -----------------------------------------------------------------------

  /**
   * Every message a provider id of `transportId` was linked to, newest link first (by linkedAt,
   * then by message id): one keyed lookup. Empty when none. Links go with their message (purge).
   */
  findByProviderId(transportId: string, providerId: string): Promise<ProviderLink[]>;
  /**
   * Only while `condition` holds (default `unreported`): records a segment's final state on the
   * message and moves a SUBMITTED message to the state its segments fold to (lifecycle.ts:
   * DELIVERED when all are, a failure as soon as one is). A segment takes one final report: a
   * second one is refused, so a report meant for another submit that shares the id cannot
   * overwrite it. Undefined when the message is gone or the condition does not hold.
   */
  applyReport(id: string, segment: number, state: MessageState, now: number, condition?: ReportCondition): Promise<Transition | undefined>;

  // --- inbound --------------------------------------------------------------------------------

  saveInbound(message: InboundMessage): Promise<StoredInbound>;
  /**
   * Keeps a part of a concatenated inbound message (a repeated part is ignored). When it
   * completes its message, atomically removes and returns all the parts in order; else null.
   */
  addInboundPart(part: InboundPart): Promise<InboundPart[] | null>;
  /** Removes and returns, part by part in order, the messages whose first part came before `cutoff`. */
  takeStaleInboundParts(cutoff: number): Promise<InboundPart[][]>;
  listInbound(limit: number): Promise<StoredInbound[]>;

  setOptOut(e164: string, optedOut: boolean): Promise<void>;
  isOptedOut(e164: string): Promise<boolean>;

  // --- rate quotas (the guard's caps) ----------------------------------------------------------

  /**
   * One atomic step: checks every cap and, only if all have room, counts one event at `now`
   * under each. A cap has room while fewer than `max` of its events are younger than
   * `windowMs` (an exact sliding window: event times are kept, and only counted events, so a
   * key holds at most `max`). An event whose `token` is already counted under any of the caps'
   * keys is not counted again and is taken: a send repeated with the same idempotency key uses
   * its quota once. Events older than their window are forgotten (the store stays bounded).
   */
  takeQuota(caps: QuotaCap[], now: number, token: string): Promise<QuotaResult>;

  // --- an SMSC account's submit rate, across the processes that bind it (submit-slots.ts) -----

  /**
   * One atomic step: takes a submit slot for `account` at `now`, unless the account is paused
   * (pauseSubmits) or `perSecond` slots were taken within the last 1000 ms; then nothing is
   * taken. Resolves with 0 when the slot is taken, else the ms to wait before asking again.
   * Held to exactly: any 1000 ms span holds at most `perSecond` slots (by the callers' clocks).
   * `account` is the transport's key for the account, never a secret.
   */
  takeSubmitSlot(account: string, perSecond: number, now: number): Promise<number>;
  /**
   * Pauses every process's slots for `account` until `until` (the SMSC throttled one of them). A
   * pause only moves later: an earlier `until` than the one standing changes nothing.
   */
  pauseSubmits(account: string, until: number, now: number): Promise<void>;

  // --- waits across processes ----------------------------------------------------------------

  /**
   * The state of each message asked for that exists, read from what is stored now (never a
   * copy this process kept): one cheap read for all the messages waiters of a process watch.
   */
  messageStates(ids: string[]): Promise<Map<string, MessageState>>;

  // --- notes ---------------------------------------------------------------------------------
  /**
   * Small durable facts a transport must remember across restarts and redeploys (a modem's
   * refused SIM PIN, as a fingerprint), by a key the transport chooses. Never secrets.
   */
  readNote(key: string): Promise<string | undefined>;
  /** Sets the note, or removes it when `value` is null. */
  writeNote(key: string, value: string | null): Promise<void>;

  // --- the event feed: events across processes -------------------------------------------------
  //
  // What the gateways sharing the store produce (state changes, delivery reports, inbound
  // messages) goes into one bounded feed, and each listener (a Node-RED node, an n8n trigger: a
  // stable id) is a consumer group, as in Redis Streams: each event goes to one process among
  // those listening with that id (`consumer`: a random id per gateway), which acknowledges it
  // once its handler ran. An event whose lease lapses unacknowledged (its process died) goes to
  // whichever process of the group reads next. So an event starts each listening flow once per
  // deployment in normal operation, and at least once when a process dies holding it.
  //
  // Times are the caller's (`now`), as for the outbox's leases: a store decides lapses by them,
  // not by its own clock. In Redis, one script per call: the feed a stream (XADD, each entry
  // with its kind, `at` and JSON payload; MAXLEN for maxEvents), the groups a hash (listener →
  // kinds, place as a stream id, joined-at), each group's leases a sorted set (entry id scored
  // by lease end: ZRANGEBYSCORE up to `now` for the lapsed, XRANGE from the place with an
  // exclusive start for the new, ZADD to lease, ZREM to acknowledge), trimFeed deleting by `at`.

  /**
   * Creates `listener`'s group if it has none, placed at the end of the feed (it gets what is
   * appended from now on); else sets its kinds and keeps its place, so that what was appended
   * while no process listened is handed on when one does again. Marks it seen at `now`.
   */
  joinFeed(listener: string, kinds: readonly FeedKind[], now: number): Promise<void>;
  /** Removes `listener`'s group and what it held. */
  leaveFeed(listener: string): Promise<void>;
  /** The kinds some group listens for: what a gateway needs to append (the others may be left out). */
  feedKinds(): Promise<Set<FeedKind>>;
  /**
   * Appends the events, in order, in one atomic step, each at `now`; then keeps at most the
   * newest `maxEvents` (older ones are gone, also for a group that had not read them). A store
   * may drop at any time the events every group has gone past and acknowledged.
   *
   * An event with a key (feed-once.ts: a delivery report) is left out when one with the same key
   * was appended before, by any process: the store keeps the keys as long as it would keep
   * their events (the newest `maxEvents` keys, none appended before a trimFeed's cutoff), also
   * after the events themselves were dropped as acknowledged.
   */
  appendEvents(events: readonly FeedPayload[], now: number, maxEvents: number): Promise<void>;
  /**
   * One atomic step for each listener named that has a group: first its events whose lease
   * lapsed (`lease until <= now`, `redelivered`), then the events of its kinds appended after
   * its place (which moves past them), up to `limit` in all; each leased to `consumer` until
   * `now + leaseMs`. Events of one kind come in the order appended. A listener with nothing
   * (or no group) is left out of the map.
   */
  readFeed(listeners: readonly string[], consumer: string, now: number, leaseMs: number, limit: number): Promise<Map<string, FeedEvent[]>>;
  /** The events are done for the listener, whichever consumer holds them (a late ack is harmless). */
  ackFeed(listener: string, ids: readonly string[]): Promise<void>;
  /**
   * Ends the leases on the events now, not handed on: the next read of any consumer of the group
   * takes them (as `redelivered`), as if they had lapsed. For events a consumer read and cannot
   * hand on (its listener closed meanwhile, as in a redeploy), which would else wait out the
   * lease. Events acknowledged meanwhile stay done.
   */
  releaseFeed(listener: string, ids: readonly string[]): Promise<void>;
  /**
   * Deletes the events appended before `cutoff`, with the leases on them and their keys, and the groups not
   * joined since `cutoff` (a gateway joins its listeners again now and then). Returns how many
   * events went. Idempotent.
   */
  trimFeed(cutoff: number): Promise<number>;

  // --- retention ------------------------------------------------------------------------------

  /**
   * Deletes what `retention` no longer keeps at `now`: final messages (and SUBMITTED ones with
   * no report to come, counted from their submit; those awaiting one, from the end of their
   * validity) with their provider links and idempotency keys, messages refused at acceptance,
   * and inbound messages. Idempotent: any process may run it at any time.
   */
  purge(now: number, retention: RetentionPolicy): Promise<PurgeResult>;
}

export interface QuotaCap {
  /** What is counted: e.g. `recipient:+447700900123`. */
  key: string;
  windowMs: number;
  max: number;
}

/** `refusedBy`: the index in `caps` of the first cap without room; nothing was counted then. */
export type QuotaResult = { taken: true } | { taken: false; refusedBy: number };

/** What the event feed carries. */
export type FeedKind = 'state' | 'report' | 'inbound';

export const FEED_KINDS: readonly FeedKind[] = ['state', 'report', 'inbound'];

/**
 * An event, as the gateway hands it to listeners: a message's state change (previous null
 * when it was just accepted), a delivery report with the message it was matched to (none when
 * it matched none), or an inbound message as stored.
 */
export type FeedPayload =
  | { kind: 'state'; message: MessageRecord; previous: MessageState | null }
  | { kind: 'report'; report: DeliveryReport; message?: MessageRecord }
  | { kind: 'inbound'; message: StoredInbound };

/** An event read from the feed. */
export interface FeedEvent {
  /** The store's id for it, for `ackFeed`: opaque, unique in the feed. */
  id: string;
  /** Epoch ms it was appended. */
  at: number;
  /** True when a consumer had it before and let its lease lapse or released it (releaseFeed). */
  redelivered: boolean;
  payload: FeedPayload;
}
