/**
 * The gateway: verifies, encodes, routes and stores each message, then submits it from the
 * outbox through a Transport, and folds delivery reports back into the message's state.
 *
 * `send()` resolves once the message is in the store (accepted); from then on the outbox owns
 * it: it survives a restart, and it ends in a final state or is still QUEUED, never dropped.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { DEFAULT_REASSEMBLY_TIMEOUT_MS, encodeMessage, type EncodedMessage, type EncodingChoice } from '../encoding';
import { isSmsGateError, SmsGateError, type ErrorInfo } from '../errors';
import { lookupNumber, parseNumber, parseSender, type CarrierLookup } from '../numbers';
import { Guard, optOutKeyword, Router, type GuardConfig, type RouteConfig, type RouteDecision } from '../routing';
import type { DefaultsConfig } from '../config/types';
import type { MessageRecord, ProviderLink, Store, StoredInbound, UpdateOptions } from '../store/types';
import type {
  DeliveryReport,
  InboundMessage,
  InboundPart,
  LinkStatus,
  OutboundMessage,
  Transport,
  TransportSink,
} from '../transport/types';
import { FINAL_STATES, type MessageState, type NumberInfo, type SenderKind } from '../types';
import { applySegmentReport, markFailed, markRetry, markSubmitted } from './lifecycle';
import { messageId } from './message-id';
import { DEFAULT_RETRY, retryDelay, type RetryPolicy } from './retry';
import { ReportHold } from './report-hold';
import { checkSendRequest } from './send-request';
import { StateWaiters } from './state-waiters';

/** What a message gets when its request leaves it out; a config file's `defaults` overrides these. */
export type SendDefaults = DefaultsConfig;

export const DEFAULT_SEND: SendDefaults = {
  deliveryReport: true,
  validitySeconds: 48 * 3600,
  maxSegments: 10,
  smart: false,
  encoding: 'auto',
};

export interface GatewayOptions {
  store: Store;
  /** The transports to start with; `addTransport` and `removeTransport` change the set later. */
  transports: Transport[];
  /** Default: one route over all transports, in the order given (failover). */
  routes?: RouteConfig[];
  guard?: GuardConfig;
  defaults?: Partial<SendDefaults>;
  carrierLookup?: CarrierLookup;
  retry?: Partial<RetryPolicy>;
  /** Submits in flight at once across all transports; default: their capacities, at least 100. */
  concurrency?: number;
  /** How long a claimed message stays reserved to this process without news from it. */
  leaseMs?: number;
  /** How often to look for work that other processes sharing the store queued. */
  pollMs?: number;
  /** How long a delivery report for an unknown provider id waits for its submit to be stored. */
  reportHoldMs?: number;
  /** How long the parts of an inbound message wait for the rest before going on incomplete. */
  reassemblyTimeoutMs?: number;
  /**
   * While a link is up, how often the messages set aside for a link that was down are woken
   * anyway (a link coming up wakes them at once; this catches one that came up while the
   * message was being set aside, or in another process). Default 30 s.
   */
  unavailableRecheckMs?: number;
}

export interface SendRequest {
  to: string;
  text: string;
  from?: string;
  /** Forces how `from` is read; by default it is told from its form. */
  fromType?: SenderKind;
  region?: string;
  tag?: string;
  correlation?: string;
  idempotencyKey?: string;
  deliveryReport?: boolean;
  validitySeconds?: number;
  /** 0 (normal) to 3 (highest); higher goes out first. */
  priority?: number;
  /** Deliver no earlier than this (a Date or epoch ms); it must fall within the validity period. */
  scheduleAt?: Date | number;
  encoding?: EncodingChoice;
  smart?: boolean;
  maxSegments?: number;
  reference16?: boolean;
  /**
   * Transport ids in the order to try them (failover from the first), instead of the route
   * table's choice; the guard still applies. An id that is not added (yet, or any more, as
   * during a redeploy) is allowed: the message waits in the outbox until it is back.
   */
  transports?: string[];
}

export interface StateChange {
  message: MessageRecord;
  previous: MessageState | null;
}

export interface ReportEvent {
  report: DeliveryReport;
  /** Undefined when no stored message has this provider id. */
  message?: MessageRecord;
}

export interface GatewayEvents {
  state: [StateChange];
  report: [ReportEvent];
  inbound: [StoredInbound];
  'transport-status': [{ transportId: string; status: LinkStatus }];
  /** Something went wrong outside any caller's request (a store write for a report, ...). */
  warning: [Error];
}

/** Gateways alive in this process, so a restarted one can tell its own dead leases. */
const liveLeaseOwners = new Set<string>();
const HOST = hostname();

export class Gateway extends EventEmitter<GatewayEvents> {
  readonly store: Store;
  private readonly transports = new Map<string, Transport>();
  private readonly linkStatus = new Map<string, LinkStatus>();
  private readonly router: Router;
  private readonly guard: Guard;
  private readonly defaults: SendDefaults;
  private readonly retry: RetryPolicy;
  private readonly carrierLookup: CarrierLookup | undefined;
  /** Submits in flight at once; undefined: sized by the transports present (see `concurrency`). */
  private readonly fixedConcurrency: number | undefined;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly reportHoldMs: number;
  private readonly reassemblyTimeoutMs: number;
  private readonly unavailableRecheckMs: number;
  private partSweep: NodeJS.Timeout | undefined;
  private recheck: NodeJS.Timeout | undefined;
  private readonly reportHold = new ReportHold();
  private readonly owner = `${HOST}:${process.pid}:${randomUUID().slice(0, 8)}`;

  private running = false;
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly waiters: StateWaiters;

  constructor(options: GatewayOptions) {
    super();
    this.store = options.store;
    for (const transport of options.transports) {
      if (this.transports.has(transport.id)) {
        throw new SmsGateError('CONFIG_INVALID', `two transports have the id "${transport.id}"`, { field: 'transports' });
      }
      this.transports.set(transport.id, transport);
    }
    const routes = options.routes ?? [{ transports: [...this.transports.keys()] }];
    for (const [index, route] of routes.entries()) {
      for (const id of route.transports) {
        if (!this.transports.has(id)) {
          throw new SmsGateError('CONFIG_INVALID', `routes[${index}] names transport "${id}", which does not exist`, {
            field: `routes[${index}].transports`,
          });
        }
      }
    }
    this.router = new Router(routes);
    this.guard = new Guard(options.guard ?? {}, {
      optOut: { isOptedOut: (e164) => this.store.isOptedOut(e164) },
      // The caps count in the store: across the processes that share it, and across restarts.
      quota: this.store,
    });
    this.defaults = { ...DEFAULT_SEND, ...options.defaults };
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.carrierLookup = options.carrierLookup;
    this.fixedConcurrency = options.concurrency;
    this.leaseMs = duration(options, 'leaseMs', 60_000);
    this.pollMs = duration(options, 'pollMs', 1000);
    this.reportHoldMs = duration(options, 'reportHoldMs', 10_000, 0);
    this.reassemblyTimeoutMs = duration(options, 'reassemblyTimeoutMs', DEFAULT_REASSEMBLY_TIMEOUT_MS);
    this.unavailableRecheckMs = duration(options, 'unavailableRecheckMs', 30_000);
    this.waiters = new StateWaiters(this.store, this.pollMs);
    this.on('state', ({ message }) => this.waiters.changed(message));
  }

  /** Enough submits in flight to fill every transport's window, and never fewer than 100. */
  private get concurrency(): number {
    if (this.fixedConcurrency !== undefined) return this.fixedConcurrency;
    let capacity = 0;
    for (const transport of this.transports.values()) capacity += transport.capacity ?? 1;
    return Math.max(100, capacity);
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.store.open();
    this.running = true;
    liveLeaseOwners.add(this.owner);
    await this.releaseDeadLeases();
    await Promise.all([...this.transports.values()].map((t) => t.start(this.sinkFor(t))));
    this.partSweep = setInterval(
      () => void this.deliverStaleParts().catch((err: Error) => this.emit('warning', err)),
      Math.min(10_000, this.reassemblyTimeoutMs / 4),
    );
    this.recheck = setInterval(() => {
      if (this.anyLinkUp()) void this.wakeWaiting().catch((err: Error) => this.emit('warning', err));
    }, this.unavailableRecheckMs);
    this.kick();
  }

  /** Stops taking work, lets submits in flight finish, closes the links and the store. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.wakeTimer);
    clearInterval(this.partSweep);
    clearInterval(this.recheck);
    await this.pumping;
    await Promise.allSettled([...this.inFlight]);
    this.reportHold.releaseAll();
    await Promise.allSettled([...this.transports.values()].map((t) => t.stop()));
    liveLeaseOwners.delete(this.owner);
    await this.waiters.finishAll();
    await this.store.close();
  }

  /**
   * Adds a transport while the gateway runs (or before it starts), as Node-RED deploys a
   * connection. Messages that waited for its id go out once it is up.
   */
  async addTransport(transport: Transport): Promise<void> {
    if (this.transports.has(transport.id)) {
      throw new SmsGateError('CONFIG_INVALID', `a transport with the id "${transport.id}" is already added`, { field: 'transports' });
    }
    this.transports.set(transport.id, transport);
    if (!this.running) return;
    try {
      await transport.start(this.sinkFor(transport));
    } catch (err) {
      this.transports.delete(transport.id);
      throw err;
    }
    this.kick();
  }

  /**
   * Stops a transport and takes it out; submits in flight on it settle first. Messages routed
   * to its id stay QUEUED, without using up attempts, until a transport with that id is added
   * again (a redeploy) or their validity period ends.
   */
  async removeTransport(id: string): Promise<void> {
    const transport = this.transports.get(id);
    if (transport === undefined) return;
    this.transports.delete(id);
    this.linkStatus.delete(id);
    if (this.running) await transport.stop();
  }

  /** Verifies a number and names its network, as `send()` would. */
  lookup(input: string, region?: string): Promise<NumberInfo> {
    return lookupNumber(input, { region: region ?? this.defaults.region, carrierLookup: this.carrierLookup });
  }

  /**
   * Accepts a message: resolves with the stored record (QUEUED, or REJECTED when the route
   * table or the guard refuses it). Throws SmsGateError for bad input, naming the field.
   */
  async send(input: SendRequest): Promise<MessageRecord> {
    const request = checkSendRequest(input);
    if (!this.running) throw new SmsGateError('GATEWAY_STOPPED', 'the gateway is not started');
    const region = request.region ?? this.defaults.region;
    const recipient = await lookupNumber(request.to, { region, field: 'to', carrierLookup: this.carrierLookup });
    const from = request.from ?? this.defaults.from;
    const sender =
      from === undefined ? null : parseSender(from, { region, field: 'from', ...(request.fromType ? { kind: request.fromType } : {}) });
    const route: Pick<RouteDecision, 'transports' | 'nationalLanguages'> | SmsGateError =
      request.transports === undefined ? this.selectRoute(recipient, from, request.tag) : explicitRoute(request.transports);
    const validitySeconds = request.validitySeconds ?? this.defaults.validitySeconds;
    if (!(validitySeconds > 0)) {
      throw new SmsGateError('OPTION_INVALID', `validitySeconds must be a positive number, got ${validitySeconds}`, {
        field: 'validitySeconds',
      });
    }
    const priority = request.priority ?? 0;
    const now = Date.now();
    const scheduledAt = scheduleTime(request.scheduleAt, now, validitySeconds);
    const reference16 = request.reference16 ?? false;
    const nationalLanguages = route instanceof SmsGateError ? [] : (route.nationalLanguages ?? []);
    const encodingChoice = request.encoding ?? this.defaults.encoding;
    const smart = request.smart ?? this.defaults.smart;
    const encoded = encodeMessage(request.text, {
      encoding: encodingChoice,
      smart,
      nationalLanguages,
      maxSegments: request.maxSegments ?? this.defaults.maxSegments,
      reference16,
      reference: randomInt(reference16 ? 0x10000 : 0x100),
    });

    const record: MessageRecord = {
      id: messageId(),
      idempotencyKey: request.idempotencyKey ?? null,
      recipient,
      sender,
      text: request.text,
      encoding: encoded.encoding,
      encodingChoice,
      smart,
      nationalLanguages,
      reference16,
      reference: encoded.reference ?? null,
      segments: encoded.segments.length,
      tag: request.tag ?? null,
      correlation: request.correlation ?? null,
      deliveryReport: request.deliveryReport ?? this.defaults.deliveryReport,
      priority,
      scheduledAt,
      transports: route instanceof SmsGateError ? [] : route.transports,
      transportId: null,
      state: 'QUEUED',
      attempts: 0,
      nextAttemptAt: now,
      validUntil: now + validitySeconds * 1000,
      createdAt: now,
      updatedAt: now,
      submittedAt: null,
      doneAt: null,
      providerIds: [],
      segmentStates: encoded.segments.map(() => null),
      error: null,
    };

    const refusal = route instanceof SmsGateError ? route : await this.guardRefusal(recipient, from, quotaToken(record));
    if (refusal !== undefined) return this.insert({ ...record, state: 'REJECTED', error: refusal.toJSON(), doneAt: now });
    const accepted = await this.insert(record);
    if (accepted.id === record.id) this.kick();
    return accepted;
  }

  private selectRoute(recipient: NumberInfo, from: string | undefined, tag: string | undefined): RouteDecision | SmsGateError {
    try {
      return this.router.select({ number: recipient, from, tag });
    } catch (err) {
      if (isSmsGateError(err) && err.code === 'NO_ROUTE') return err;
      throw err;
    }
  }

  private async guardRefusal(recipient: NumberInfo, from: string | undefined, token: string): Promise<SmsGateError | undefined> {
    try {
      await this.guard.check({ number: recipient, from, token });
      return undefined;
    } catch (err) {
      if (isSmsGateError(err) && err.kind === 'refused') return err;
      throw err;
    }
  }

  private async insert(record: MessageRecord): Promise<MessageRecord> {
    const { record: stored, created } = await this.store.insertMessage(record);
    if (created) this.emit('state', { message: stored, previous: null });
    return stored;
  }

  async getMessage(id: string): Promise<MessageRecord | undefined> {
    return this.store.getMessage(id);
  }

  /**
   * Resolves with the message once it has left QUEUED (`until: 'submitted'`) or reached a final
   * state (`until: 'final'`), or as it stands when `timeoutMs` passes. Also sees changes made
   * by other processes sharing the store.
   */
  async waitFor(id: string, until: 'submitted' | 'final', timeoutMs: number): Promise<MessageRecord> {
    const reached = (state: MessageState) => (until === 'final' ? FINAL_STATES.has(state) : state !== 'QUEUED');
    const initial = await this.store.getMessage(id);
    if (initial === undefined) throw new SmsGateError('MESSAGE_NOT_FOUND', `no message with id ${id}`, { field: 'id' });
    return reached(initial.state) ? initial : this.waiters.wait(initial, reached, timeoutMs);
  }

  /** The link state of each transport and the number of messages in each state. */
  async status(): Promise<{ transports: Record<string, LinkStatus>; messages: Partial<Record<MessageState, number>> }> {
    return { transports: Object.fromEntries(this.linkStatus), messages: await this.store.countByState() };
  }

  // --- the outbox --------------------------------------------------------------------------

  /** Asks the outbox to look for due messages now. Safe to call often. */
  private kick(): void {
    if (!this.running) return;
    if (this.pumping !== undefined) {
      this.pumpAgain = true;
      return;
    }
    // The pump starts from the event loop, so that however fast submits fail, I/O and timers
    // (a transport's reconnect among them) still get their turn.
    this.pumping = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.pump())
      .then((drained) => {
        this.pumping = undefined;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.kick();
        } else if (drained) {
          void this.scheduleWake();
        }
      })
      .catch((err: Error) => {
        this.pumping = undefined;
        this.emit('warning', err);
        void this.scheduleWake();
      });
  }

  /**
   * Claims and dispatches due messages until none is due (resolves true) or the submits in
   * flight reach the concurrency limit (false: each one that finishes kicks again).
   */
  private async pump(): Promise<boolean> {
    while (this.running && this.inFlight.size < this.concurrency) {
      const due = await this.store.claimDue(Date.now(), this.concurrency - this.inFlight.size, this.owner, this.leaseMs);
      if (due.length === 0) return true;
      for (const record of due) {
        const dispatch = this.dispatch(record)
          .catch((err: Error) => void this.emit('warning', err))
          .finally(() => {
            this.inFlight.delete(dispatch);
            this.kick();
          });
        this.inFlight.add(dispatch);
      }
    }
    return false;
  }

  /** Sleeps until the next retry is due, or the poll interval, whichever comes first. */
  private async scheduleWake(): Promise<void> {
    if (!this.running) return;
    const nextDue = await this.store.nextDue().catch(() => null);
    const wait = nextDue === null ? this.pollMs : Math.min(this.pollMs, Math.max(0, nextDue - Date.now()));
    clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => this.kick(), wait);
  }

  private async dispatch(record: MessageRecord): Promise<void> {
    const now = Date.now();
    if (now >= record.validUntil) {
      const error = new SmsGateError('VALIDITY_EXPIRED', 'the validity period ended before the message could be submitted');
      return this.transition(record.id, (current) => markFailed(current, error.toJSON(), now));
    }
    if (record.transports.length === 0) {
      const error = new SmsGateError('NO_ROUTE', `no transport is routed for ${record.recipient.e164}`);
      return this.transition(record.id, (current) => markFailed(current, error.toJSON(), now));
    }
    const transportId = this.pickTransport(record.transports, record.attempts);
    const transport = this.transports.get(transportId);
    if (record.scheduledAt !== null && record.scheduledAt > now && transport?.schedules !== true) {
      // This transport cannot hand the carrier a delivery time: the message waits here instead.
      return this.transition(record.id, (current) =>
        current.state === 'QUEUED' ? { ...current, nextAttemptAt: record.scheduledAt!, updatedAt: now } : undefined,
      );
    }
    try {
      if (transport === undefined) {
        // Not added (yet, or any more): a redeploy or a restart in progress. The message waits.
        throw new SmsGateError('TRANSPORT_UNAVAILABLE', `transport "${transportId}" is not running; the message waits for it`);
      }
      const { providerIds } = await transport.submit(this.outbound(record));
      await this.transition(record.id, (current) => markSubmitted(current, transportId, providerIds, Date.now()), {
        link: { transportId, providerIds },
      });
      this.reportHold.linked(transportId, providerIds);
    } catch (err) {
      await this.transition(record.id, (current) => this.afterFailure(current, err));
    }
  }

  private anyLinkUp(): boolean {
    return [...this.transports.keys()].some((id) => this.linkUp(id));
  }

  /** Whether a transport's link takes submits, by the last status it reported. */
  private linkUp(id: string): boolean {
    const state = this.linkStatus.get(id)?.state;
    return state === 'connected' || state === 'throttled';
  }

  /** A link came up: what waited for one (in this process or another, before a restart) is due now. */
  private async wakeWaiting(): Promise<void> {
    await this.store.wakeWaitingForLink(Date.now());
    this.kick();
  }

  /**
   * Failover: the first of the route's transports that is present and whose link is up,
   * starting further down the list after each temporary refusal; when none is, the one in turn
   * (it will say why).
   */
  private pickTransport(candidates: string[], attempts: number): string {
    const inTurn = (offset: number) => candidates[(attempts + offset) % candidates.length]!;
    for (let offset = 0; offset < candidates.length; offset++) {
      const id = inTurn(offset);
      // A transport that has reported nothing yet is given the chance.
      if (this.transports.has(id) && (!this.linkStatus.has(id) || this.linkUp(id))) return id;
    }
    return inTurn(0);
  }

  private outbound(record: MessageRecord): OutboundMessage {
    return {
      id: record.id,
      recipient: record.recipient,
      sender: record.sender,
      encoded: this.encode(record),
      deliveryReport: record.deliveryReport,
      validUntil: record.validUntil,
      priority: record.priority,
      scheduledAt: record.scheduledAt,
    };
  }

  /** The same bytes as at acceptance: the choices and the concatenation reference are stored. */
  private encode(record: MessageRecord): EncodedMessage {
    return encodeMessage(record.text, {
      encoding: record.encodingChoice,
      smart: record.smart,
      nationalLanguages: record.nationalLanguages,
      maxSegments: record.segments,
      reference16: record.reference16,
      ...(record.reference === null ? {} : { reference: record.reference }),
    });
  }

  /**
   * Permanent errors fail the message with the transport's code. A link that is down does not
   * use up attempts (the message waits, within its validity); temporary refusals do.
   */
  private afterFailure(record: MessageRecord, err: unknown): MessageRecord | undefined {
    if (record.state !== 'QUEUED') return undefined;
    const now = Date.now();
    const error = toErrorInfo(err);
    if (error.code === 'TRANSPORT_PERMANENT') return markFailed(record, error, now);
    if (error.code === 'TRANSPORT_UNAVAILABLE') {
      // The link is down: no attempt is used up, and the message is set aside until a link
      // comes up (wakeWaiting, and the recheck while one is up) or its validity ends. Looking at
      // it again on a timer instead rewrote every queued message each time while an SMSC was
      // away: 100 000 records every 30 s, and the memory store's RSS grew by 130 MB.
      return markRetry(record, error, record.attempts, record.validUntil, now);
    }
    const attempts = record.attempts + 1;
    if (attempts >= this.retry.maxAttempts) {
      const exhausted = new SmsGateError(
        'RETRIES_EXHAUSTED',
        `gave up after ${attempts} attempts; last error: ${error.message}`,
        error.providerCode === undefined ? {} : { providerCode: error.providerCode },
      );
      return markFailed(record, exhausted.toJSON(), now);
    }
    const at = now + retryDelay(attempts, this.retry);
    if (at >= record.validUntil) {
      const expired = new SmsGateError('VALIDITY_EXPIRED', `the validity period ends before the next attempt; last error: ${error.message}`);
      return markFailed(record, expired.toJSON(), now);
    }
    return markRetry(record, error, attempts, at, now);
  }

  /** Applies a change to a stored message and announces the state it moves to. */
  private async transition(
    id: string,
    change: (current: MessageRecord) => MessageRecord | undefined,
    options?: UpdateOptions,
  ): Promise<void> {
    let previous: MessageState | undefined;
    const updated = await this.store.updateMessage(
      id,
      (current) => {
        previous = current.state;
        return change(current);
      },
      options,
    );
    if (updated !== undefined && previous !== undefined && updated.state !== previous) {
      this.emit('state', { message: updated, previous });
    }
  }

  private async releaseDeadLeases(): Promise<void> {
    for (const owner of await this.store.leaseOwners()) {
      const [host, pid] = owner.split(':');
      if (host !== HOST) continue;
      const alive = Number(pid) === process.pid ? liveLeaseOwners.has(owner) : processAlive(Number(pid));
      if (!alive) await this.store.releaseLeasesOf(owner);
    }
  }

  // --- what transports hand back --------------------------------------------------------------

  private sinkFor(transport: Transport): TransportSink {
    return {
      report: (report) => this.onReport(report),
      inbound: (message) => this.onInbound(message),
      inboundPart: (part) => this.onInboundPart(part),
      // Keys are the transport's (a SIM's ICCID outlives a transport id a redeploy may change).
      notes: { read: (key) => this.store.readNote(key), write: (key, value) => this.store.writeNote(key, value) },
      warning: (error) => this.emit('warning', error),
      status: (status) => {
        // A removed transport (or the one a redeploy replaced) no longer speaks for its id.
        if (this.transports.get(transport.id) !== transport) return;
        const previous = this.linkStatus.get(transport.id)?.state;
        this.linkStatus.set(transport.id, status);
        this.emit('transport-status', { transportId: transport.id, status });
        // A modem repeats 'connected' with each health check; only a link coming up wakes.
        if (status.state === 'connected' && previous !== 'connected') void this.wakeWaiting().catch((err: Error) => this.emit('warning', err));
      },
    };
  }

  private async onReport(report: DeliveryReport): Promise<void> {
    const link = await this.findReported(report);
    if (link === undefined) {
      this.emit('report', { report });
      return;
    }
    let previous: MessageState | undefined;
    const message = await this.store.updateMessage(link.messageId, (current) => {
      previous = current.state;
      return applySegmentReport(current, link.segment, report.state, Date.now());
    });
    if (message === undefined) {
      this.emit('report', { report });
      return;
    }
    this.emit('report', { report, message });
    if (previous !== undefined && message.state !== previous) this.emit('state', { message, previous });
  }

  /**
   * The message a report is about. An SMSC may send the receipt before the submit's response
   * has been stored: such a report waits (up to `reportHoldMs`) for one of its ids to be
   * linked, and only then is it answered.
   *
   * The id as the transport resolved it is trusted. Other spellings (hex read as decimal, or
   * the reverse) are a last resort after the wait, and only for a segment still waiting for its
   * report: with small sequential ids, `66` in one base is another message's id in the other.
   */
  private async findReported(report: DeliveryReport): Promise<ProviderLink | undefined> {
    const exact = () => this.store.findByProviderId(report.transportId, report.providerId);
    const found = await exact();
    if (found !== undefined) return found;
    const alternates = report.alternateIds ?? [];
    if (this.reportHoldMs > 0) {
      await this.reportHold.wait(report.transportId, [report.providerId, ...alternates], this.reportHoldMs);
      const linked = await exact();
      if (linked !== undefined) return linked;
    }
    for (const id of alternates) {
      const link = await this.store.findByProviderId(report.transportId, id);
      if (link !== undefined && (await this.awaitsReport(link))) return link;
    }
    return undefined;
  }

  private async awaitsReport(link: ProviderLink): Promise<boolean> {
    const message = await this.store.getMessage(link.messageId);
    return message !== undefined && message.segmentStates[link.segment] === null;
  }

  private async onInbound(message: InboundMessage): Promise<void> {
    const stored = await this.store.saveInbound(message);
    const keyword = optOutKeyword(message.text);
    if (keyword !== null) {
      await this.store.setOptOut(this.normaliseSender(message.from), keyword === 'STOP');
    }
    this.emit('inbound', stored);
  }

  private async onInboundPart(part: InboundPart): Promise<void> {
    const parts = await this.store.addInboundPart(part);
    if (parts !== null) await this.onInbound(joinParts(parts, false));
  }

  /** Parts whose siblings never came go on as an incomplete message rather than being dropped. */
  private async deliverStaleParts(): Promise<void> {
    for (const parts of await this.store.takeStaleInboundParts(Date.now() - this.reassemblyTimeoutMs)) {
      await this.onInbound(joinParts(parts, true));
    }
  }

  /**
   * Opt-outs are kept by E.164 so they match the recipients that send() normalises. Transports
   * give international senders with a `+`; others are read in the default region.
   */
  private normaliseSender(from: string): string {
    try {
      return parseNumber(from, { region: this.defaults.region }).e164;
    } catch {
      return from;
    }
  }
}

/**
 * What the guard's caps count a message as: its idempotency key when it has one, so a send
 * repeated with the key (a client's retry, a bulk file run again) uses its quota once, however
 * many processes it is repeated in; else the message itself.
 */
function quotaToken(record: MessageRecord): string {
  return record.idempotencyKey === null ? `message:${record.id}` : `key:${record.idempotencyKey}`;
}

function joinParts(parts: InboundPart[], incomplete: boolean): InboundMessage {
  const [first] = parts as [InboundPart];
  const message: InboundMessage = {
    transportId: first.transportId,
    from: first.from,
    to: first.to,
    text: parts.map((part) => part.text).join(''),
    receivedAt: Math.max(...parts.map((part) => part.receivedAt)),
  };
  return incomplete ? { ...message, incomplete } : message;
}

/** A caller's own transport list, checked for shape only: ids not added yet are allowed. */
function explicitRoute(transports: unknown): Pick<RouteDecision, 'transports'> {
  const ids = Array.isArray(transports) ? transports : [];
  const wellFormed = ids.length > 0 && ids.every((id) => typeof id === 'string' && id !== '') && new Set(ids).size === ids.length;
  if (!wellFormed) {
    throw new SmsGateError('OPTION_INVALID', `transports must be a list of distinct transport ids, got ${JSON.stringify(transports)}`, {
      field: 'transports',
    });
  }
  return { transports: ids as string[] };
}

/** The requested delivery time as epoch ms, null when none or already past; refused when after the validity period. */
function scheduleTime(scheduleAt: Date | number | undefined, now: number, validitySeconds: number): number | null {
  if (scheduleAt === undefined) return null;
  const at = scheduleAt instanceof Date ? scheduleAt.getTime() : scheduleAt;
  if (typeof at !== 'number' || !Number.isFinite(at)) {
    throw new SmsGateError('OPTION_INVALID', `scheduleAt must be a date or epoch milliseconds, got ${String(scheduleAt)}`, {
      field: 'scheduleAt',
    });
  }
  if (at > now + validitySeconds * 1000) {
    throw new SmsGateError(
      'OPTION_INVALID',
      `scheduleAt ${new Date(at).toISOString()} is after the end of the validity period (${validitySeconds} s from now)`,
      { field: 'scheduleAt' },
    );
  }
  return at > now ? at : null;
}

type DurationOption = 'leaseMs' | 'pollMs' | 'reportHoldMs' | 'reassemblyTimeoutMs' | 'unavailableRecheckMs';

/**
 * A timing option, or its default. Zero or less where a timer runs on it would fire it in a
 * loop (a wake every millisecond while a link is up): refused, naming the option.
 */
function duration(options: GatewayOptions, name: DurationOption, fallback: number, least = 1): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < least) {
    throw new SmsGateError('CONFIG_INVALID', `${name} must be a number of milliseconds, at least ${least}; got ${String(value)}`, {
      field: name,
    });
  }
  return value;
}

function toErrorInfo(err: unknown): ErrorInfo {
  if (isSmsGateError(err)) return err.toJSON();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'TRANSPORT_TEMPORARY', message };
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
