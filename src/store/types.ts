/**
 * The store keeps what must survive a restart: the outbox, the provider-id → message
 * correlation, inbound messages and the opt-out list.
 *
 * The interface is shaped for several gateway processes sharing one store (sqlite file today,
 * Redis later): work is taken with `claimDue` under a lease, and every read-modify-write of a
 * message goes through `updateMessage`, which the store runs atomically.
 *
 * Records a store hands out are for reading: a store may hand the same frozen record to every
 * reader (the memory store does), and `updateMessage`'s `change` must build a new record rather
 * than change the one it is given.
 */
import type { Encoding, EncodingChoice, NationalLanguage } from '../encoding';
import type { ErrorInfo } from '../errors';
import type { InboundMessage, InboundPart } from '../transport/types';
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
  providerIds: string[];
  /** Per segment: the state its delivery report gave, null until one came. */
  segmentStates: (MessageState | null)[];
  error: ErrorInfo | null;
}

export interface ProviderLink {
  messageId: string;
  segment: number;
}

export interface UpdateOptions {
  /**
   * Links these provider ids (one per segment, in order) to the message in the same atomic
   * step, so a delivery report finds it by them, across restarts.
   */
  link?: { transportId: string; providerIds: string[] };
}

export interface StoredInbound extends InboundMessage {
  id: string;
}

export interface Store {
  readonly type: string;
  open(): Promise<void>;
  close(): Promise<void>;

  /** Inserts, unless the idempotency key is taken: then returns the record that holds it. */
  insertMessage(record: MessageRecord): Promise<{ record: MessageRecord; created: boolean }>;
  getMessage(id: string): Promise<MessageRecord | undefined>;
  /**
   * Atomically reads, changes and writes one message. `change` returns the new record, or
   * undefined to leave it as it is. Resolves to what is stored afterwards.
   */
  updateMessage(
    id: string,
    change: (current: MessageRecord) => MessageRecord | undefined,
    options?: UpdateOptions,
  ): Promise<MessageRecord | undefined>;
  /**
   * Takes up to `limit` QUEUED messages whose time has come and that nobody else holds, and
   * leases them to `owner` until `now + leaseMs`. A message stays leased until
   * `updateMessage` or `releaseLease` lets it go.
   */
  claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<MessageRecord[]>;
  releaseLease(id: string): Promise<void>;
  /** The owners holding leases now, so a starting gateway can free those of dead processes. */
  leaseOwners(): Promise<string[]>;
  releaseLeasesOf(owner: string): Promise<number>;
  /** The earliest nextAttemptAt among QUEUED messages, or null when the outbox is empty. */
  nextDue(): Promise<number | null>;
  /**
   * Makes due at `now` the QUEUED messages that wait for a link (their last error is
   * TRANSPORT_UNAVAILABLE), whichever process set them aside; returns how many.
   */
  wakeWaitingForLink(now: number): Promise<number>;
  countByState(): Promise<Partial<Record<MessageState, number>>>;

  findByProviderId(transportId: string, providerId: string): Promise<ProviderLink | undefined>;

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

  // --- waits across processes ----------------------------------------------------------------

  /**
   * The state of each message asked for that exists, read from what is stored now (never a
   * copy this process kept): one cheap read for all the messages waiters of a process watch.
   */
  messageStates(ids: string[]): Promise<Map<string, MessageState>>;
}

export interface QuotaCap {
  /** What is counted: e.g. `recipient:+447700900123`. */
  key: string;
  windowMs: number;
  max: number;
}

/** `refusedBy`: the index in `caps` of the first cap without room; nothing was counted then. */
export type QuotaResult = { taken: true } | { taken: false; refusedBy: number };
