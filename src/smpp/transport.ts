/**
 * The SMPP transport: smsgate as an ESME toward one SMSC account.
 *
 * It keeps its binds up (reconnecting with backoff and jitter), submits within a window of
 * unacknowledged submit_sm and an exact per-second rate, slows down and resends in order when
 * the SMSC throttles, resubmits what was in flight when a connection drops (at-least-once),
 * and hands receipts and inbound messages to the gateway, answering the SMSC only once they
 * are stored.
 */
import type { ConnectionOptions } from 'node:tls';
import { SmsGateError, type ErrorInfo } from '../errors';
import { FINAL_STATES } from '../types';
import type {
  LinkStatus,
  OutboundMessage,
  SubmitResult,
  Transport,
  TransportSink,
} from '../transport/types';
import { SmppLink, type BindType, type IncomingPdu } from './link';
import {
  buildSubmitPdus,
  classifyStatus,
  deliverSmFields,
  isReceipt,
  MessageIdMatcher,
  messageIdKeys,
  moPartFromDeliverSm,
  normaliseMessageId,
  receiptFromDeliverSm,
  type SubmitSmFields,
} from './protocol';
import { accountKey, LocalSubmitRate, SharedSubmitRate, type SubmitRate } from './submit-rate';
import { SegmentOutcomes } from '../transport/partial-submit';

export type SmppBind = BindType | 'transmitter+receiver';

export interface SmppTransportOptions {
  id: string;
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType?: string;
  addressRange?: string;
  bind?: SmppBind;
  /** submit_sm sent and not yet answered, at most. */
  window?: number;
  /**
   * Segments per second, exact over any one-second span; 0 = no limit. Held across every
   * process on the gateway's store that binds the same account (same host, port, system id and
   * type); by this process alone when the sink has no submitSlots.
   */
  maxPerSecond?: number;
  /** true, or the TLS options (ca, cert, key, servername, rejectUnauthorized). */
  tls?: boolean | ConnectionOptions;
  /** How messages longer than one segment travel. */
  longMessages?: 'udh' | 'sar' | 'payload';
  /** `latin1`: data_coding 3 for texts Latin-1 can carry, for SMSCs that want it. */
  dataCoding?: 'default' | 'latin1';
  serviceType?: string;
  /** Nothing received for this long: enquire_link goes out (and ends the session unanswered). */
  enquireLinkMs?: number;
  responseTimeoutMs?: number;
  /** Requests unanswered in a row (each for responseTimeoutMs) that end the session. Default 3. */
  maxResponseTimeouts?: number;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /**
   * The wait after a bind refused for good (a wrong password or system id, ESME_RINVPASWD,
   * ESME_RINVSYSID and the like): binding again soon with the same credentials only gets an
   * SMSC account locked. Default 5 minutes.
   */
  credentialRetryMs?: number;
  /** The first pause after a throttling answer; it doubles while the SMSC keeps throttling. */
  throttleBackoffMs?: number;
}

/**
 * A segment waiting for, or in, the window; `order` keeps resends in their first order. Plain
 * data, one object per segment (no callbacks of its own, which the collector copied for every
 * segment in flight): what becomes of it goes to its submit's `outcomes`, at its `position`.
 */
interface QueuedSegment {
  order: number;
  fields: SubmitSmFields;
  outcomes: SegmentOutcomes;
  position: number;
  messageId: string;
  /** Its index in the message's segments, when what is sent maps onto them (else undefined). */
  index: number | undefined;
}

/** ESME_RX_T_APPN: "try again later", so the SMSC resends a PDU we could not store. */
const ESME_RX_T_APPN = 0x64;
const ESME_RSYSERR = 0x08;
const MAX_AWAITING_RECEIPT = 200_000;
/** How long submits wait for the store to answer again after it failed to give a slot. */
const SLOT_RETRY_MS = 1000;
/** SMPP 3.4 §5.2.23: a message_id is a C-Octet String of at most 65 octets. */
const MAX_MESSAGE_ID = 64;

export class SmppTransport implements Transport {
  readonly type = 'smpp';
  readonly id: string;
  readonly capacity: number;
  readonly schedules = true;
  /** Segments per second it is held to (0: none); the gateway claims by it. */
  get maxPerSecond(): number { return this.options.maxPerSecond; }
  private readonly options: Required<Omit<SmppTransportOptions, 'tls' | 'serviceType'>> &
    Pick<SmppTransportOptions, 'serviceType'> & { tls: false | ConnectionOptions };
  private sink: TransportSink | undefined;
  private running = false;
  /** The link that submits (transmitter or transceiver) and the one that receives. */
  private txLink: SmppLink | undefined;
  private readonly links = new Set<SmppLink>();
  private readonly wakeups = new Set<NodeJS.Timeout>();

  private readonly queue: QueuedSegment[] = [];
  private readonly inFlight = new Set<QueuedSegment>();
  /** Receipts and inbound messages being handed to the gateway, not answered yet (stop waits for them). */
  private readonly delivering = new Set<Promise<void>>();
  /** deliver_sm and data_sm read and not handed on yet (see deliver()). */
  private incoming: IncomingPdu[] = [];
  private nextOrder = 0;
  /** maxPerSecond, shared through the store when the sink offers it (start()); none without one. */
  private rate: SubmitRate | undefined;
  /** A slot asked of the store and not answered yet: one at a time, its answer pumps. */
  private takingSlot = false;
  private pausedUntil = 0;
  private throttleStreak = 0;
  private pumpTimer: NodeJS.Timeout | undefined;
  private firstBindOutcome: (() => void) | undefined;
  private lateResponseCount = 0;
  /** Why the last bind failed or the last session ended; cleared by a bind. */
  private lastLinkError: SmsGateError | undefined;

  /**
   * Ids the SMSC gave in submit_sm_resp that still wait for a final receipt, so the matcher can
   * learn which spelling (same, hex or decimal) this SMSC's receipts use. Bounded: the oldest
   * are forgotten first.
   */
  private readonly awaitingReceipt = new Set<string>();
  private readonly messageIds = new MessageIdMatcher();

  constructor(options: SmppTransportOptions) {
    this.id = options.id;
    this.options = {
      systemType: '',
      addressRange: '',
      bind: 'transceiver',
      window: 50,
      maxPerSecond: 0,
      longMessages: 'udh',
      dataCoding: 'default',
      enquireLinkMs: 30_000,
      responseTimeoutMs: 10_000,
      maxResponseTimeouts: 3,
      reconnectBaseMs: 1000,
      reconnectMaxMs: 60_000,
      credentialRetryMs: 5 * 60_000,
      throttleBackoffMs: 1000,
      ...options,
      tls: options.tls === true ? {} : (options.tls ?? false),
    };
    // A receiver bind submits nothing: its gateway leaves the outbox to processes that can.
    this.capacity = this.options.bind === 'receiver' ? 0 : this.options.window;
    const { maxPerSecond } = this.options;
    if (!Number.isInteger(maxPerSecond) || maxPerSecond < 0) {
      throw new SmsGateError('CONFIG_INVALID', `maxPerSecond: expected a whole number of segments per second >= 0, got ${maxPerSecond}`, { field: 'maxPerSecond' });
    }
  }

  async start(sink: TransportSink): Promise<void> {
    this.sink = sink;
    this.running = true;
    const { maxPerSecond, host, port, systemId, systemType } = this.options;
    if (maxPerSecond > 0) {
      this.rate =
        sink.submitSlots === undefined
          ? new LocalSubmitRate(maxPerSecond)
          : new SharedSubmitRate(sink.submitSlots, accountKey({ host, port, systemId, systemType }), maxPerSecond);
    }
    const roles: BindType[] =
      this.options.bind === 'transmitter+receiver' ? ['transmitter', 'receiver'] : [this.options.bind];
    // Resolve once the first bind has succeeded or failed, so the gateway's first submits find
    // a bound session rather than a retry delay; a dead SMSC does not hold the start up longer.
    const firstOutcome = new Promise<void>((resolve) => (this.firstBindOutcome = resolve));
    for (const role of roles) void this.keepBound(role, 0);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([firstOutcome, new Promise((resolve) => (timer = setTimeout(resolve, this.options.responseTimeoutMs)))]);
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    // Read before the stop: handed on (and answered) as they would have been, not refused.
    this.handOnIncoming();
    this.running = false;
    for (const timer of this.wakeups) clearTimeout(timer);
    this.wakeups.clear();
    clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    // Answers to what is in flight still count; give them the response timeout to arrive.
    await this.drainInFlight();
    await this.drainDeliveries();
    await Promise.all([...this.links].map((link) => link.close()));
    const stopped = new SmsGateError('TRANSPORT_UNAVAILABLE', `transport ${this.id} is stopped`);
    for (const segment of this.queue.splice(0)) segment.outcomes.fail(segment.position, stopped);
    this.status({ state: 'disconnected' });
  }

  /**
   * Resolves with one provider id per segment, normalised; '' for a segment the SMSC accepted
   * without giving an id (status 0, message_id empty or missing): it is submitted, but no
   * delivery report can be matched to it.
   */
  submit(message: OutboundMessage): Promise<SubmitResult> {
    if (!this.running || this.txLink === undefined || !this.txLink.isBound) {
      return Promise.reject(
        new SmsGateError('TRANSPORT_UNAVAILABLE', `transport ${this.id} has no bound SMPP session to submit on (${this.lastLinkError?.message ?? 'not bound yet'})`),
      );
    }
    let pdus: SubmitSmFields[];
    try {
      pdus = buildSubmitPdus(message, {
        longMessages: this.options.longMessages,
        dataCoding: this.options.dataCoding,
        ...(this.options.serviceType === undefined ? {} : { serviceType: this.options.serviceType }),
        ...(message.scheduledAt !== null && message.scheduledAt > Date.now()
          ? { scheduleDelivery: new Date(message.scheduledAt) }
          : {}),
      });
    } catch (err) {
      return Promise.reject(err);
    }
    // A retry sends only the segments not accepted yet, each PDU as before (same reference and
    // place); when the PDUs do not map one to one onto the encoded segments (message_payload, a
    // re-encoding for Latin-1), the message goes whole and is retried whole.
    const perSegment = pdus.length === message.encoded.segments.length;
    const sent = perSegment && message.segments !== undefined ? [...message.segments] : pdus.map((_, i) => i);
    const outcomes = new SegmentOutcomes(sent, perSegment);
    sent.forEach((index, position) => {
      this.queue.push({ order: this.nextOrder++, fields: pdus[index]!, outcomes, position, messageId: message.id, index: perSegment ? index : undefined });
    });
    this.pump();
    return outcomes.settled;
  }

  /** submit_sm_resp that came after their timeout (each also said to the gateway, see LateAcceptance). */
  get lateResponses(): number {
    return this.lateResponseCount;
  }

  // --- binds ---------------------------------------------------------------------------------

  /** Binds `role` and rebinds it whenever it drops, until the transport stops. */
  private async keepBound(role: BindType, failures: number): Promise<void> {
    if (!this.running) return;
    const link = new SmppLink({
      host: this.options.host,
      port: this.options.port,
      systemId: this.options.systemId,
      password: this.options.password,
      systemType: this.options.systemType,
      addressRange: this.options.addressRange,
      bindType: role,
      tls: this.options.tls === false ? false : { ...this.options.tls, host: this.options.host, port: this.options.port },
      enquireLinkMs: this.options.enquireLinkMs,
      responseTimeoutMs: this.options.responseTimeoutMs,
      maxResponseTimeouts: this.options.maxResponseTimeouts,
    });
    this.links.add(link);
    link.on('deliver', (incoming) => this.deliver(incoming));
    link.on('protocol-error', (err) => this.warn(err));
    const last = this.lastLinkError;
    this.status(
      failures === 0
        ? { state: 'connecting' }
        : { state: 'reconnecting', detail: `bind attempt ${failures + 1}${last === undefined ? '' : ` after: ${last.message}`}`, ...errorOf(last) },
    );
    try {
      await link.open();
    } catch (err) {
      this.links.delete(link);
      const error = asLinkError(err);
      this.lastLinkError = error;
      return this.retryBind(role, failures + 1, error);
    }
    if (!this.running) return link.close();
    this.lastLinkError = undefined;
    if (role !== 'receiver') this.txLink = link;
    this.status({ state: 'connected', detail: `bound as ${role}` });
    link.once('closed', (reason) => {
      this.links.delete(link);
      if (this.txLink === link) this.txLink = undefined;
      if (!this.running) return;
      const error = reason ?? new SmsGateError('TRANSPORT_UNAVAILABLE', 'the SMPP session closed');
      this.lastLinkError = error;
      this.status({ state: 'reconnecting', detail: error.message, ...errorOf(error) });
      void this.retryBind(role, 1);
    });
    this.pump();
  }

  /**
   * Exponential backoff with full jitter, so a fleet of gateways does not rebind in step; after a
   * bind refused for good (a wrong password or system id) `credentialRetryMs`, so that the SMSC
   * does not lock the account. A failed attempt is said as an error, with when the next one comes.
   */
  private retryBind(role: BindType, failures: number, failure?: SmsGateError): Promise<void> {
    const ceiling = Math.min(this.options.reconnectMaxMs, this.options.reconnectBaseMs * 2 ** (failures - 1));
    const refusedForGood = failure !== undefined && isCredentialRefusal(failure);
    const delay = refusedForGood ? this.options.credentialRetryMs : ceiling / 2 + (Math.random() * ceiling) / 2;
    if (failure !== undefined) {
      this.status({
        state: 'error',
        detail: `${failure.message}; retry in ${humanDuration(delay)}`,
        ...errorOf(failure),
        retryAt: Date.now() + delay,
      });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeups.delete(timer);
        resolve(this.keepBound(role, failures));
      }, delay);
      this.wakeups.add(timer);
    });
  }

  /** A peer's misstep the transport survived, for the host's log. */
  private warn(error: Error): void {
    try {
      this.sink?.warning?.(error);
    } catch {
      // The host's logger failing is no reason to fail a session.
    }
  }

  // --- the window ----------------------------------------------------------------------------

  /**
   * Sends queued segments while the window, the rate and any throttling pause allow. With a
   * shared rate each segment first takes its slot from the store, one slot asked at a time; the
   * segments wait here meanwhile, and their submit() with them (the window and the outbox's
   * claims bound how many). While a wait for the rate or a pause is timed, or a slot is being
   * asked for, nothing else can start a submit sooner: the timer or the answer pumps.
   */
  private pump(): void {
    if (this.takingSlot || this.pumpTimer !== undefined) return;
    const link = this.txLink;
    while (this.queue.length > 0 && link?.isBound && this.inFlight.size < this.options.window) {
      const now = Date.now();
      const paused = this.pausedUntil - now;
      if (paused > 0) return this.pumpAfter(paused);
      const slot = this.rate?.take(now) ?? 0;
      if (typeof slot !== 'number') return this.awaitSlot(slot);
      if (slot > 0) return this.pumpAfter(slot);
      this.sendNext(link);
    }
  }

  private pumpAfter(ms: number): void {
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = undefined;
      this.pump();
    }, ms);
  }

  /**
   * A slot asked of the store: taken, the next segment goes (a slot the queue no longer needs,
   * the queue emptied or the link down meanwhile, is spent unused: the rate errs low). The store
   * failing holds the submits back, never past the rate.
   */
  private awaitSlot(slot: Promise<number>): void {
    this.takingSlot = true;
    slot.then(
      (wait) => {
        this.takingSlot = false;
        if (!this.running) return;
        if (wait > 0) return this.pumpAfter(wait);
        const link = this.txLink;
        if (this.queue.length > 0 && link?.isBound && this.inFlight.size < this.options.window) this.sendNext(link);
        this.pump();
      },
      (err: unknown) => {
        this.takingSlot = false;
        if (!this.running) return;
        this.warn(new SmsGateError('STORE_UNAVAILABLE', `transport ${this.id}: no submit slot from the store, submits wait: ${(err as Error)?.message ?? String(err)}`, { cause: err }));
        this.pumpAfter(SLOT_RETRY_MS);
      },
    ).catch((err: Error) => this.warn(err));
  }

  private sendNext(link: SmppLink): void {
    const segment = this.queue.shift()!;
    this.inFlight.add(segment);
    link.submit(segment.fields, (status, response) => this.answeredLate(segment, status, response.message_id)).then(
      (response) => this.answered(segment, response.message_id),
      (err: SmsGateError) => this.refused(segment, err),
    ).catch((err: Error) => this.warn(err));
  }

  private answered(segment: QueuedSegment, messageId: unknown): void {
    this.inFlight.delete(segment);
    const providerId = this.providerIdOf(messageId);
    if (providerId !== '') this.awaitReceipt(providerId);
    if (this.throttleStreak > 0) {
      this.throttleStreak = 0;
      this.status({ state: 'connected' });
    }
    segment.outcomes.accept(segment.position, providerId);
    this.pump();
  }

  /** A submit_sm_resp after its timeout: the SMSC took (or refused) the segment after all. */
  private answeredLate(segment: QueuedSegment, status: number, messageId: unknown): void {
    this.lateResponseCount++;
    if (status !== 0) {
      // It failed already by its timeout, and is retried as such: only the log learns more.
      this.warn(new SmsGateError('TRANSPORT_TEMPORARY', `transport ${this.id}: a submit_sm_resp came after its timeout, refusing the segment with status ${status}`));
      return;
    }
    const providerId = this.providerIdOf(messageId);
    if (providerId !== '') this.awaitReceipt(providerId);
    const inSubmit = segment.outcomes.acceptLate(segment.position, providerId);
    if (segment.index === undefined) return;
    this.sink?.lateAcceptance?.({ transportId: this.id, messageId: segment.messageId, segment: segment.index, providerId, inSubmit });
  }

  /**
   * The normalised id of a submit_sm_resp's message_id; '' when it gave none that can identify
   * the message (missing, empty, longer than SMPP allows): the segment is submitted all the
   * same, since the SMSC said so, but its delivery report cannot be matched.
   */
  private providerIdOf(messageId: unknown): string {
    const text = typeof messageId === 'string' ? messageId.trim() : '';
    if (text !== '' && text.length <= MAX_MESSAGE_ID) return normaliseMessageId(text);
    const what = typeof messageId !== 'string' ? 'no message_id' : text === '' ? 'an empty message_id' : `a message_id of ${text.length} characters`;
    this.warn(
      new SmsGateError(
        'TRANSPORT_TEMPORARY',
        `transport ${this.id}: submit_sm_resp accepted a segment with ${what}: it counts as submitted, with no provider id to match its delivery report by`,
        { field: 'message_id' },
      ),
    );
    return '';
  }

  private awaitReceipt(key: string): void {
    this.awaitingReceipt.add(key);
    if (this.awaitingReceipt.size > MAX_AWAITING_RECEIPT) {
      this.awaitingReceipt.delete(this.awaitingReceipt.values().next().value!);
    }
  }

  private refused(segment: QueuedSegment, err: SmsGateError): void {
    this.inFlight.delete(segment);
    const verdict = err.code === 'TRANSPORT_UNAVAILABLE' ? 'resend' : classifyStatus(Number(err.providerCode ?? -1));
    if (verdict === 'throttled') {
      // Slow down, then send the same segments again in their first order. Every process that
      // shares the account's rate slows down with us.
      const now = Date.now();
      this.pausedUntil = Math.max(this.pausedUntil, now + this.options.throttleBackoffMs * 2 ** Math.min(this.throttleStreak++, 3));
      this.rate?.pause(this.pausedUntil, now).catch((failure: Error) => this.warn(failure));
      this.status({ state: 'throttled', detail: err.message });
      this.requeue(segment);
    } else if (verdict === 'resend' && this.running) {
      // The connection dropped before the answer: resend after the rebind (at-least-once).
      this.requeue(segment);
    } else {
      segment.outcomes.fail(segment.position, err);
    }
    // Through the event loop: a resend must not chase a dying socket in one microtask chain.
    setImmediate(() => this.pump());
  }

  private requeue(segment: QueuedSegment): void {
    let index = this.queue.findIndex((queued) => queued.order > segment.order);
    if (index === -1) index = this.queue.length;
    this.queue.splice(index, 0, segment);
  }

  /**
   * A deliver_sm or data_sm read from a link: handed on with the others of the same read in the
   * next turn of the event loop, not at once. A receipt often comes in the same read as the
   * submit_sm_resp of its message (the SMSC sends it moments after the response, and a busy
   * gateway reads both at once). Handed on at once, it looked for its message before that
   * response's submit was stored (which the continuations the read sets off do) and was held
   * (reports.ts rule 3): a tenth to a third of the receipts in bench/smpp.js (5 000 to 10 000
   * submits/s, the most with the sqlite store), each costing a timer and another lookup in the
   * store. By the next turn those continuations have run. A receipt read before its response
   * still waits for it (rule 3).
   */
  private deliver(incoming: IncomingPdu): void {
    if (this.incoming.push(incoming) === 1) setImmediate(() => this.handOnIncoming());
  }

  private handOnIncoming(): void {
    const read = this.incoming;
    if (read.length === 0) return;
    this.incoming = [];
    for (const incoming of read) {
      const handled = this.onDeliver(incoming).catch((err: Error) => this.warn(err));
      this.delivering.add(handled);
      void handled.finally(() => this.delivering.delete(handled));
    }
  }

  /**
   * A receipt or SMS being stored is answered before the session unbinds: unanswered, the SMSC
   * sends it again, perhaps to another process, which takes a receipt for a repeat and an SMS for
   * a new one. Bounded by the response timeout. (What arrives from now on is refused: onDeliver.)
   */
  private async drainDeliveries(): Promise<void> {
    if (this.delivering.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.responseTimeoutMs)));
    await Promise.race([Promise.all(this.delivering), timeout]);
    clearTimeout(timer);
  }

  private async drainInFlight(): Promise<void> {
    const deadline = Date.now() + this.options.responseTimeoutMs;
    while (this.inFlight.size > 0 && Date.now() < deadline && this.txLink?.isBound) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  // --- what the SMSC sends -------------------------------------------------------------------

  /** Receipts and inbound messages, answered only once the gateway has stored them. */
  private async onDeliver({ pdu, reply }: IncomingPdu): Promise<void> {
    const sink = this.sink;
    // Stopping (or never started): refused for now, not stored. Stored, its answer could be cut
    // off by the unbind, and the SMSC would send it again to another bind, which would take a
    // receipt for a repeat and an SMS for a new one; refused, the SMSC sends it there at once.
    if (sink === undefined || !this.running) return reply(ESME_RX_T_APPN);
    try {
      const fields = deliverSmFields(pdu);
      if (isReceipt(fields.esm_class)) {
        const receipt = receiptFromDeliverSm(fields);
        if (receipt !== null) {
          const evidence = this.messageIds.evidence(receipt.providerId, (key) => this.awaitingReceipt.has(key));
          const providerId = this.messageIds.resolve(receipt.providerId);
          if (FINAL_STATES.has(receipt.state)) this.awaitingReceipt.delete(providerId);
          const matched = await sink.report({
            transportId: this.id,
            ...receipt,
            providerId,
            alternateIds: messageIdKeys(receipt.providerId).filter((key) => key !== providerId),
          });
          const matchedKey = typeof matched === 'string' ? matched : undefined;
          if (matchedKey !== undefined && FINAL_STATES.has(receipt.state)) this.awaitingReceipt.delete(matchedKey);
          this.messageIds.learn(evidence, matchedKey);
        }
        return reply();
      }
      const part = moPartFromDeliverSm(fields);
      if (part.concat === undefined) {
        await sink.inbound({ transportId: this.id, from: part.from, to: part.to, text: part.text, receivedAt: Date.now() });
        return reply();
      }
      await sink.inboundPart({
        transportId: this.id,
        from: part.from,
        to: part.to,
        text: part.text,
        receivedAt: Date.now(),
        ...part.concat,
      });
      return reply();
    } catch (err) {
      // A PDU we cannot read is refused for good; one we could not store, for now.
      const unreadable = err instanceof SmsGateError && err.kind === 'input';
      this.warn(new SmsGateError('TRANSPORT_TEMPORARY', `transport ${this.id}: ${pdu.command} refused: ${(err as Error).message}`, { cause: err }));
      return reply(unreadable ? ESME_RSYSERR : ESME_RX_T_APPN);
    }
  }

  private status(status: LinkStatus): void {
    if (status.state === 'connected' || status.state === 'error') this.firstBindOutcome?.();
    try {
      this.sink?.status(status);
    } catch (err) {
      this.warn(err as Error);
    }
  }
}

/** A bind refused with a permanent status: the credentials or the account's settings are wrong. */
function isCredentialRefusal(error: SmsGateError): boolean {
  return error.code === 'TRANSPORT_PERMANENT' && typeof error.providerCode === 'number' && classifyStatus(error.providerCode) === 'permanent';
}

function asLinkError(err: unknown): SmsGateError {
  return err instanceof SmsGateError ? err : new SmsGateError('TRANSPORT_UNAVAILABLE', `the SMPP session failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

function errorOf(error: SmsGateError | undefined): { error?: ErrorInfo } {
  return error === undefined ? {} : { error: error.toJSON() };
}

/** `800 ms`, `5 s`, `5 min`: for a status text. */
function humanDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
