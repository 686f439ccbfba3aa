/**
 * The gateway: verifies, encodes, routes and stores each message, and composes the modules that
 * do the rest: the outbox (outbox.ts: claims under renewed leases, submits, waits for links),
 * report matching (reports.ts), inbound messages (inbound.ts) and retention (retention.ts).
 * Recovering a dead process's work needs no module of its own: its leases lapse (leases.ts).
 *
 * `send()` resolves once the message is in the store (accepted); from then on the outbox owns
 * it: it survives a restart, and it ends in a final state or is still QUEUED, never dropped.
 */
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { DEFAULT_REASSEMBLY_TIMEOUT_MS, encodeMessage, type EncodingChoice } from '../encoding';
import { isSmsGateError, SmsGateError } from '../errors';
import { lookupNumber, parseSender, type CarrierLookup } from '../numbers';
import { Guard, Router, type GuardConfig, type RouteConfig, type RouteDecision } from '../routing';
import type { DefaultsConfig } from '../config/types';
import { DEFAULT_RETENTION, FEED_KINDS, type FeedKind, type MessageRecord, type RetentionPolicy, type Store, type StoredInbound } from '../store/types';
import type { DeliveryReport, LinkStatus, Transport, TransportSink } from '../transport/types';
import { FINAL_STATES, type MessageState, type NumberInfo, type SenderKind } from '../types';
import { EventFeed, type EventHandler, type Listening } from './events';
import { Inbound } from './inbound';
import { Links } from './links';
import { messageId } from './message-id';
import { Outbox } from './outbox';
import { ReportMatcher, type MatchOutcome, type ReportCounts } from './reports';
import { Retention } from './retention';
import { DEFAULT_RETRY, type RetryPolicy } from './retry';
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
  /**
   * Submits in flight at once across all transports, at most; by default, what the transports
   * can start within a lease (each by its window and rate).
   */
  concurrency?: number;
  /**
   * How long a claimed message stays reserved to this process without a renewal. Renewed while
   * the message is held here; when the process dies, its messages are taken by another after this.
   */
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
  /** How long the store keeps what is done; default 7 days, refused 24 hours, inbound 7 days. */
  retention?: Partial<RetentionPolicy>;
  /** How often this process purges the store by `retention`. Default 10 minutes. */
  purgeEveryMs?: number;
  /** While something listens here (`listen`), how often to read the store's event feed. Default 200 ms. */
  eventPollMs?: number;
  /**
   * How long an event read by this process stays reserved to it before another process listening
   * with the same id may take it (this process died, or its handler is still running). Default 30 s.
   */
  eventLeaseMs?: number;
  /** How long the event feed keeps an event no listener took, and a listener's group no process joined. Default 24 hours. */
  eventRetentionMs?: number;
  /** The most events the feed keeps (the oldest go first). Default 100 000. */
  maxEvents?: number;
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
  /** How `transports` are ordered per message: `failover` (the default) or `round-robin`, as in a route. */
  strategy?: 'failover' | 'round-robin';
}

export interface StateChange {
  message: MessageRecord;
  previous: MessageState | null;
}

export interface ReportEvent {
  report: DeliveryReport;
  /** The message the report was matched to; undefined when it matched none (see `warning`). */
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

export class Gateway extends EventEmitter<GatewayEvents> {
  readonly store: Store;
  private readonly links: Links;
  private readonly router: Router;
  private readonly guard: Guard;
  private readonly defaults: SendDefaults;
  private readonly carrierLookup: CarrierLookup | undefined;
  private readonly outbox: Outbox;
  private readonly reports: ReportMatcher;
  private readonly inbound: Inbound;
  private readonly retention: Retention;
  private readonly waiters: StateWaiters;
  private readonly events: EventFeed;
  /** Reports being matched and published: stop() lets them finish before the feed and the store close. */
  private readonly reporting = new Set<Promise<unknown>>();
  private running = false;

  constructor(options: GatewayOptions) {
    super();
    this.store = options.store;
    const transportIds = new Set<string>();
    for (const transport of options.transports) {
      if (transportIds.has(transport.id)) {
        throw new SmsGateError('CONFIG_INVALID', `two transports have the id "${transport.id}"`, { field: 'transports' });
      }
      transportIds.add(transport.id);
    }
    this.links = new Links(options.transports);
    const routes = options.routes ?? [{ transports: this.links.ids() }];
    for (const [index, route] of routes.entries()) {
      for (const id of route.transports) {
        if (!this.links.has(id)) {
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
    this.carrierLookup = options.carrierLookup;
    const warn = (err: Error) => void this.emit('warning', err);
    const pollMs = duration(options, 'pollMs', 1000);
    this.reports = new ReportMatcher({ store: this.store, holdMs: duration(options, 'reportHoldMs', 10_000, 0) });
    this.outbox = new Outbox({
      store: this.store,
      links: this.links,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      concurrency: options.concurrency,
      leaseMs: duration(options, 'leaseMs', 60_000),
      pollMs,
      unavailableRecheckMs: duration(options, 'unavailableRecheckMs', 30_000),
      announce: (transition) => this.announce(transition),
      linked: (transportId, providerIds) => this.reports.linked(transportId, providerIds),
      warn,
    });
    this.inbound = new Inbound({
      store: this.store,
      reassemblyTimeoutMs: duration(options, 'reassemblyTimeoutMs', DEFAULT_REASSEMBLY_TIMEOUT_MS),
      region: this.defaults.region,
      deliver: (message) => {
        this.emit('inbound', message);
        return this.events.publish({ kind: 'inbound', message });
      },
      warn,
    });
    this.retention = new Retention(
      this.store,
      retentionPolicy(options.retention),
      duration(options, 'purgeEveryMs', 10 * 60_000),
      warn,
    );
    this.waiters = new StateWaiters(this.store, pollMs);
    this.on('state', ({ message }) => this.waiters.changed(message));
    this.events = new EventFeed({
      store: this.store,
      consumer: this.outbox.leases.owner,
      pollMs: duration(options, 'eventPollMs', 200),
      leaseMs: duration(options, 'eventLeaseMs', 30_000),
      retentionMs: duration(options, 'eventRetentionMs', 24 * 3_600_000),
      maxEvents: eventBound(options.maxEvents),
      refreshMs: pollMs,
      warn,
    });
  }

  /**
   * Counts of submit results that needed more than one step: segments a transport accepted after
   * their submit timed out (`lateUsed` of them recorded instead of resent), and store writes that
   * failed after a submit was accepted (retried, never resent).
   */
  get submitCounts(): { lateAcceptances: number; lateUsed: number; recordFailures: number } {
    return this.outbox.counts;
  }

  /** The lease owner this gateway claims as: random per instance. */
  get leaseOwner(): string {
    return this.outbox.leases.owner;
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.store.open();
    this.running = true;
    await Promise.all(this.links.all().map((t) => t.start(this.sinkFor(t))));
    await this.events.start();
    this.inbound.start();
    this.retention.start();
    this.outbox.start();
  }

  /** Stops taking work, lets submits in flight finish, closes the links and the store. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.inbound.stop();
    await this.outbox.stop();
    await this.retention.stop();
    this.reports.releaseAll();
    await Promise.allSettled(this.links.all().map((t) => t.stop()));
    // A held report let go above still stores its state and publishes its event: before the
    // feed's last flush, or that event is lost (its message DELIVERED, no listener told).
    await Promise.allSettled([...this.reporting]);
    await this.waiters.finishAll();
    await this.events.stop();
    await this.store.close();
  }

  /**
   * Hands `handler` the state changes, delivery reports and inbound messages (`kinds`) that any
   * process sharing the store produces, each event to one process among those listening with
   * `listenerId` (a Node-RED node id; an n8n workflow id and node name: the same in every process
   * of a deployment), acknowledged once the handler returns or its promise settles. An event a
   * process took and did not acknowledge (it died) goes to another after `eventLeaseMs`. What is
   * produced while no process listens with the id waits in the store (up to `eventRetentionMs`)
   * once the id has listened. See events.ts. May be called before `start()`.
   *
   * The gateway's own events (`on('report')` and the others) are still emitted as before: only
   * what this process produced, to every listener here.
   */
  listen(listenerId: string, kinds: readonly FeedKind[], handler: EventHandler): Listening {
    if (typeof listenerId !== 'string' || listenerId === '') {
      throw new SmsGateError('OPTION_INVALID', 'listenerId must be a non-empty string', { field: 'listenerId' });
    }
    const unknown = kinds.find((kind) => !(FEED_KINDS as readonly string[]).includes(kind));
    if (unknown !== undefined || kinds.length === 0) {
      throw new SmsGateError('OPTION_INVALID', `kinds must name some of ${FEED_KINDS.join(', ')}; got ${String(unknown ?? 'none')}`, {
        field: 'kinds',
      });
    }
    return this.events.listen(listenerId, kinds, handler);
  }

  /** Deletes now what the retention policy no longer keeps (the gateway also does it on a timer). */
  purge(): Promise<void> {
    return this.retention.purge();
  }

  /**
   * Adds a transport while the gateway runs (or before it starts), as Node-RED deploys a
   * connection. Messages that waited for its id go out once it is up.
   */
  async addTransport(transport: Transport): Promise<void> {
    this.links.add(transport);
    if (!this.running) return;
    try {
      await transport.start(this.sinkFor(transport));
    } catch (err) {
      this.links.remove(transport.id);
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
    const transport = this.links.remove(id);
    if (transport !== undefined && this.running) await transport.stop();
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
      request.transports === undefined
        ? this.selectRoute(recipient, from, request.tag)
        : { transports: this.router.arrange(request.transports, request.strategy) };
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
    if (created) this.announce({ record: stored, previous: null });
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

  /**
   * The link state of each transport, the number of messages in each state, and what became of
   * the delivery reports this process received (`reports.unmatched`: those no message took).
   */
  async status(): Promise<{
    transports: Record<string, LinkStatus>;
    messages: Partial<Record<MessageState, number>>;
    reports: ReportCounts;
  }> {
    return { transports: this.links.statusOf(), messages: await this.store.countByState(), reports: this.reports.tally() };
  }

  /** Asks the outbox to look for due messages now. */
  private kick(): void {
    this.outbox.kick();
  }

  /** A state change: to this process's listeners, and to the event feed (not awaited: the change is stored). */
  private announce({ record, previous }: { record: MessageRecord; previous: MessageState | null }): void {
    this.emit('state', { message: record, previous });
    // Asked first: a state change is the most frequent event, and most gateways have no listener for it.
    if (!this.events.wants('state')) return;
    this.events.publish({ kind: 'state', message: record, previous }).catch((err: Error) => this.emit('warning', err));
  }

  // --- what transports hand back --------------------------------------------------------------

  private sinkFor(transport: Transport): TransportSink {
    return {
      report: (report) => {
        const handled = this.onReport(report);
        this.reporting.add(handled);
        const done = () => void this.reporting.delete(handled);
        handled.then(done, done);
        return handled;
      },
      inbound: (message) => this.inbound.message(message),
      inboundPart: (part) => this.inbound.part(part),
      lateAcceptance: (late) => this.outbox.lateAcceptance(late),
      // Keys are the transport's (a SIM's ICCID outlives a transport id a redeploy may change).
      notes: { read: (key) => this.store.readNote(key), write: (key, value) => this.store.writeNote(key, value) },
      // An account's rate holds across every process on this store (transports that have one ask).
      submitSlots: {
        take: (account, perSecond, now) => this.store.takeSubmitSlot(account, perSecond, now),
        pause: (account, until, now) => this.store.pauseSubmits(account, until, now),
      },
      warning: (error) => this.emit('warning', error),
      status: (status) => {
        const { current, cameUp } = this.links.report(transport, status);
        if (!current) return; // a removed transport (or the one a redeploy replaced) no longer speaks for its id
        this.emit('transport-status', { transportId: transport.id, status });
        if (cameUp) this.outbox.linkUp(transport.id);
      },
    };
  }

  /** Resolves, once the report's event is in the feed, with the provider id a waiting message took it under (see TransportSink.report). */
  private async onReport(report: DeliveryReport): Promise<string | undefined> {
    // A copy of a receipt held here is not published again (reports.ts, rule 7): its outcome is the held one's.
    const outcome = await this.reports.apply(report, (matched) => this.announceReport(report, matched));
    return outcome.kind === 'applied' ? outcome.waitedUnder : undefined;
  }

  /** A matched report: to this process's listeners, and into the event feed. */
  private async announceReport(report: DeliveryReport, outcome: MatchOutcome): Promise<void> {
    switch (outcome.kind) {
      case 'applied': {
        const { transition } = outcome;
        this.emit('report', { report, message: transition.record });
        if (transition.record.state !== transition.previous) this.announce(transition);
        return this.publishReport({ report, message: transition.record });
      }
      case 'repeated':
        this.emit('report', { report, message: outcome.message });
        return this.publishReport({ report, message: outcome.message });
      case 'unmatched':
        this.emit('report', { report });
        this.emit('warning', unmatchedReport(report));
        return this.publishReport({ report });
    }
  }

  /**
   * Into the event feed. The transport answers the network once this resolves, so a report whose
   * event could not be stored is sent again (and then found repeated, and published).
   */
  private publishReport(event: ReportEvent): Promise<void> {
    return this.events.publish(event.message === undefined ? { kind: 'report', report: event.report } : { kind: 'report', ...event });
  }
}

/** The warning for a report no message took: its id, the address it names and its state. */
function unmatchedReport(report: DeliveryReport): SmsGateError {
  const from = report.address === undefined ? 'no address' : `address ${report.address}`;
  return new SmsGateError(
    'REPORT_UNMATCHED',
    `transport ${report.transportId}: a delivery report (provider id ${report.providerId}, ${from}, ${report.state}) ` +
      'matches no message waiting for it',
    { field: 'providerId' },
  );
}

/**
 * What the guard's caps count a message as: its idempotency key when it has one, so a send
 * repeated with the key (a client's retry, a bulk file run again) uses its quota once, however
 * many processes it is repeated in; else the message itself.
 */
function quotaToken(record: MessageRecord): string {
  return record.idempotencyKey === null ? `message:${record.id}` : `key:${record.idempotencyKey}`;
}

/**
 * The requested delivery time as epoch ms, null when none or already past; refused when after
 * the validity period. Its type was checked with the request (send-request.ts).
 */
function scheduleTime(scheduleAt: Date | number | undefined, now: number, validitySeconds: number): number | null {
  if (scheduleAt === undefined) return null;
  const at = scheduleAt instanceof Date ? scheduleAt.getTime() : scheduleAt;
  if (at > now + validitySeconds * 1000) {
    throw new SmsGateError(
      'OPTION_INVALID',
      `scheduleAt ${new Date(at).toISOString()} is after the end of the validity period (${validitySeconds} s from now)`,
      { field: 'scheduleAt' },
    );
  }
  return at > now ? at : null;
}

type DurationOption =
  | 'leaseMs'
  | 'pollMs'
  | 'reportHoldMs'
  | 'reassemblyTimeoutMs'
  | 'unavailableRecheckMs'
  | 'purgeEveryMs'
  | 'eventPollMs'
  | 'eventLeaseMs'
  | 'eventRetentionMs';

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

/** The most events the feed keeps: a whole number, at least 1. */
function eventBound(given: number | undefined): number {
  const value = given ?? 100_000;
  if (!Number.isInteger(value) || value < 1) {
    throw new SmsGateError('CONFIG_INVALID', `maxEvents must be a whole number, at least 1; got ${String(value)}`, { field: 'maxEvents' });
  }
  return value;
}

/** The retention policy: the defaults, with what was given checked (numbers above 0). */
function retentionPolicy(given: Partial<RetentionPolicy> = {}): RetentionPolicy {
  const policy = { ...DEFAULT_RETENTION, ...given };
  for (const [name, value] of Object.entries(policy)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new SmsGateError('CONFIG_INVALID', `retention.${name} must be a number above 0; got ${String(value)}`, {
        field: `retention.${name}`,
      });
    }
  }
  return policy;
}
