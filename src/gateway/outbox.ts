/**
 * The outbox: takes due messages from the store under a lease and hands each to a transport,
 * then records what came of it. A process claims only what its transports can start within a
 * lease, and renews the leases of what it still holds (leases.ts), so a message waiting in a
 * transport's queue behind a rate limit or a slow modem is never claimed by another process and
 * sent twice.
 *
 * A message whose links are all down is set aside for its own route's transports, and wakes
 * when one of them comes up (`linkUp`), in this process or in any other sharing the store.
 */
import { encodeMessage, type EncodedMessage } from '../encoding';
import { isSmsGateError, SmsGateError, type ErrorInfo } from '../errors';
import type { MessageRecord, Store, Transition } from '../store/types';
import { acceptedBefore } from '../transport/partial-submit';
import type { AcceptedSegment, LateAcceptance, OutboundMessage, Transport } from '../transport/types';
import { unsentSegments } from '../store/lifecycle';
import { Leases } from './leases';
import type { Links } from './links';
import { retryDelay, type RetryPolicy } from './retry';

export interface OutboxOptions {
  store: Store;
  links: Links;
  retry: RetryPolicy;
  /** Submits in flight at once across all transports; default: what the transports can start within a lease. */
  concurrency: number | undefined;
  leaseMs: number;
  pollMs: number;
  /** While a link is up, how often the messages waiting for it are woken anyway. */
  unavailableRecheckMs: number;
  /** A message changed state. */
  announce(transition: Transition): void;
  /** Provider ids were stored for a message (the report matcher waits for them). */
  linked(transportId: string, providerIds: string[]): void;
  warn(err: Error): void;
}

export class Outbox {
  private readonly store: Store;
  private readonly links: Links;
  readonly leases: Leases;
  private running = false;
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private recheck: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Messages handed to each transport and not yet answered: in its queue or its window. */
  private readonly handed = new Map<string, number>();
  /** Messages whose submit is under way here. */
  private readonly submitting = new Set<string>();
  private lateAcceptances = 0;
  private lateUsed = 0;
  private recordFailures = 0;
  /** Pauses between retried store writes, cut short by stop(). */
  private readonly stopping = new Set<() => void>();

  constructor(private readonly options: OutboxOptions) {
    this.store = options.store;
    this.links = options.links;
    this.leases = new Leases(options.store, options.leaseMs, options.warn);
  }

  start(): void {
    this.running = true;
    this.leases.start();
    this.recheck = setInterval(() => {
      for (const id of this.links.upIds()) this.linkUp(id);
    }, this.options.unavailableRecheckMs);
    this.kick();
  }

  /** Stops claiming and lets the submits in flight finish (their leases renewed meanwhile). */
  async stop(): Promise<void> {
    this.running = false;
    for (const wake of this.stopping) wake();
    this.stopping.clear();
    clearTimeout(this.wakeTimer);
    clearInterval(this.recheck);
    await this.pumping;
    await Promise.allSettled([...this.inFlight]);
    await this.leases.stop();
  }

  /**
   * A transport's link takes submits (it came up, or the recheck): the messages set aside for
   * it (by this process or another) are due now.
   */
  linkUp(transportId: string): void {
    this.store.wakeWaitingFor(transportId, Date.now()).then(
      (woken) => woken > 0 && this.kick(),
      (err: Error) => this.options.warn(err),
    );
  }

  /** Asks the outbox to look for due messages now. Safe to call often. */
  kick(): void {
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
        this.options.warn(err);
        void this.scheduleWake();
      });
  }

  /**
   * How many more messages to claim now: for each transport, what it can start within a lease
   * less what it holds already; at least one when nothing is in flight, so a message whose
   * transports are all absent is still looked at (set aside, or failed at its validity's end);
   * none when every transport only receives.
   */
  private claimable(): number {
    const transports = this.links.all();
    // Only receiving (SMPP receiver binds): a claimed message would be set aside here, away from
    // the processes sharing the store that can submit it.
    if (transports.length > 0 && transports.every((transport) => transport.capacity === 0)) return 0;
    let room = 0;
    for (const transport of transports) {
      room += Math.max(0, startableWithinLease(transport, this.options.leaseMs) - (this.handed.get(transport.id) ?? 0));
    }
    if (this.options.concurrency !== undefined) room = Math.min(room, this.options.concurrency - this.inFlight.size);
    return this.inFlight.size === 0 ? Math.max(1, room) : room;
  }

  /**
   * Claims and dispatches due messages until none is due (resolves true) or the transports have
   * all they can start within a lease (false: each submit that finishes kicks again).
   */
  private async pump(): Promise<boolean> {
    for (let limit = this.claimable(); this.running && limit > 0; limit = this.claimable()) {
      const due = await this.leases.claim(limit);
      if (due.length === 0) return true;
      for (const record of due) {
        const dispatch = this.dispatch(record)
          .catch((err: Error) => void this.options.warn(err))
          .finally(() => {
            this.leases.letGo(record.id);
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
    const wait = nextDue === null ? this.options.pollMs : Math.min(this.options.pollMs, Math.max(0, nextDue - Date.now()));
    clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => this.kick(), wait);
  }

  private async dispatch(record: MessageRecord): Promise<void> {
    const now = Date.now();
    if (now >= record.validUntil) {
      const error = new SmsGateError('VALIDITY_EXPIRED', 'the validity period ended before the message could be submitted');
      return this.step(record.id, (owner) => this.store.fail(record.id, owner, { error: error.toJSON(), now }));
    }
    if (record.transports.length === 0) {
      const error = new SmsGateError('NO_ROUTE', `no transport is routed for ${record.recipient.e164}`);
      return this.step(record.id, (owner) => this.store.fail(record.id, owner, { error: error.toJSON(), now }));
    }
    // Segments a transport accepted already are not sent again, and the rest go the same way.
    const unsent = unsentSegments(record);
    const partial = unsent.length < record.segments && record.transportId !== null;
    const transportId = partial ? record.transportId! : this.links.pick(record.transports, record.attempts);
    const transport = this.links.get(transportId);
    if (record.scheduledAt !== null && record.scheduledAt > now && transport?.schedules !== true) {
      // This transport cannot hand the carrier a delivery time: the message waits here instead.
      const at = record.scheduledAt;
      return this.step(record.id, (owner) => this.store.retry(record.id, owner, { attempts: record.attempts, at, error: record.error, now }));
    }
    let providerIds: string[];
    try {
      if (transport === undefined) {
        // Not added (yet, or any more): a redeploy or a restart in progress. The message waits.
        throw new SmsGateError('TRANSPORT_UNAVAILABLE', `transport "${transportId}" is not running; the message waits for it`);
      }
      ({ providerIds } = await this.submit(transport, record, partial ? unsent : undefined));
    } catch (err) {
      const accepted = acceptedBefore(err);
      // What was accepted is recorded before anything else, so a retry sends only the rest.
      if (accepted.length > 0) {
        const done = await this.recordAccepted(record, transportId, [...accepted]);
        if (done === undefined || done.record.state !== 'QUEUED') return;
      }
      return this.afterFailure(record, err, partial || accepted.length > 0 ? [transportId] : record.transports);
    }
    if (partial) {
      await this.recordAccepted(record, transportId, providerIds.map((providerId, i) => ({ segment: unsent[i]!, providerId })));
    } else {
      await this.recordSubmit(record, transportId, providerIds);
    }
  }

  /**
   * Records a submit the transport accepted. "The transport refused" and "recording the result
   * failed" are different outcomes: a store write that fails here is retried (while the lease is
   * kept renewed, so no other process takes the message) and never counts as a failed submit.
   */
  private recordSubmit(record: MessageRecord, transportId: string, providerIds: string[]): Promise<void> {
    return this.recorded(record.id, providerIds, () =>
      this.step(record.id, (owner) => this.store.markSubmitted(record.id, owner, { transportId, providerIds, now: Date.now() })),
    ).then(() => this.options.linked(transportId, providerIds));
  }

  /** As recordSubmit, for some segments: the message stays QUEUED, under its lease, while others remain. */
  private async recordAccepted(record: MessageRecord, transportId: string, segments: AcceptedSegment[]): Promise<Transition | undefined> {
    const providerIds = segments.map((s) => s.providerId);
    const done = await this.recorded(record.id, providerIds, async () => {
      const transition = await this.store.acceptSegments(record.id, this.leases.owner, { transportId, segments, now: Date.now() });
      if (transition !== undefined && transition.record.state !== 'QUEUED') {
        this.leases.letGo(record.id);
        if (transition.record.state !== transition.previous) this.options.announce(transition);
      }
      return transition;
    });
    this.options.linked(transportId, providerIds);
    return done;
  }

  /**
   * Runs a store write that records accepted submits until it succeeds, with backoff, each
   * failure a warning. Bounded only by the process: once the outbox stops it gives up after a
   * last few attempts, saying so (the message may then be resent when its lease lapses).
   */
  private recorded<T>(id: string, providerIds: string[], write: () => Promise<T>): Promise<T | undefined> {
    // The first attempt, which almost always succeeds, without an async function of its own:
    // every message comes this way, and its promises and frames lived until the store answered.
    let first: Promise<T>;
    try {
      first = write();
    } catch (err) {
      first = Promise.reject(err);
    }
    return first.catch((err: unknown) => this.recordAgain(id, providerIds, write, err));
  }

  /** recorded() after its first attempt failed with `failure`: warns, and tries again after a pause. */
  private async recordAgain<T>(id: string, providerIds: string[], write: () => Promise<T>, firstFailure: unknown): Promise<T | undefined> {
    let failure = firstFailure;
    for (let attempt = 1; ; attempt++) {
      const giveUp = !this.running && attempt >= RECORD_ATTEMPTS_WHEN_STOPPING;
      this.recordFailures++;
      this.options.warn(
        new SmsGateError(
          'STORE_ERROR',
          `message ${id} was accepted by the transport (provider ids ${providerIds.join(', ')}) but recording it failed ` +
            `(attempt ${attempt}): ${(failure as Error).message}; ${giveUp ? 'giving up as the gateway stops: it may be resent once its lease lapses' : 'retrying; it is not resent'}`,
          { cause: failure },
        ),
      );
      if (giveUp) return undefined;
      // Still held here: its lease is renewed while the write is retried.
      this.leases.keep(id);
      await this.pause(Math.min(RECORD_RETRY_MAX_MS, RECORD_RETRY_BASE_MS * 2 ** (attempt - 1)));
      try {
        return await write();
      } catch (err) {
        failure = err;
      }
    }
  }

  /** Waits `ms`, or less when the outbox stops (and only briefly once it is stopping). */
  private pause(ms: number): Promise<void> {
    if (!this.running) ms = Math.min(ms, RECORD_RETRY_BASE_MS);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.stopping.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.stopping.add(done);
    });
  }

  /**
   * A segment accepted after its submit had been answered as failed (an SMPP response after its
   * timeout). While its message still waits to resend it, its provider id is recorded instead,
   * and it is not resent (the message is SUBMITTED when that was the last segment missing). When
   * it was resent already, or is being resent now, that is said: the recipient may get it twice.
   * Either way its id is linked, so its receipt finds the message.
   */
  lateAcceptance(late: LateAcceptance): void {
    this.lateAcceptances++;
    const what = `transport ${late.transportId}: segment ${late.segment + 1} of message ${late.messageId} accepted after its submit timed out (provider id ${late.providerId})`;
    if (late.inSubmit) {
      // Its submit had not been answered yet: the transport counted it as accepted there.
      this.lateUsed++;
      this.options.warn(new SmsGateError('TRANSPORT_TEMPORARY', `${what}: counted in its submit, it is not resent`));
      return;
    }
    const resending = this.submitting.has(late.messageId);
    const segments = [{ segment: late.segment, providerId: late.providerId }];
    this.store
      .acceptSegments(late.messageId, this.leases.owner, { transportId: late.transportId, segments, now: Date.now() })
      .then((done) => {
        this.options.linked(late.transportId, [late.providerId]);
        const used = !resending && done !== undefined && done.record.providerIds[late.segment] === late.providerId;
        if (used) {
          this.lateUsed++;
          this.options.warn(new SmsGateError('TRANSPORT_TEMPORARY', `${what}: recorded, it is not resent`));
          if (done.record.state !== done.previous) this.options.announce(done);
        } else {
          this.options.warn(
            new SmsGateError('TRANSPORT_TEMPORARY', `${what}: ${resending ? 'it is being resent' : 'it was resent already'}, the recipient may get it twice`),
          );
        }
      })
      .catch((err: Error) => this.options.warn(err));
  }

  /**
   * What this outbox counted: segments accepted late (`lateUsed` of them recorded instead of
   * resent), and store writes that failed after a transport had accepted a submit.
   */
  get counts(): { lateAcceptances: number; lateUsed: number; recordFailures: number } {
    return { lateAcceptances: this.lateAcceptances, lateUsed: this.lateUsed, recordFailures: this.recordFailures };
  }

  /**
   * Hands a message (or the segments of it not accepted yet) to a transport, counting it as the
   * transport's until it answers. Returns the transport's own promise, not one of an async
   * function around it: the caller then records the answer a microtask after it came instead of
   * three, and a receipt that comes meanwhile is held (rule 3 of reports.ts) less often. The
   * count is taken back in a reaction added before the caller's, so it runs first.
   */
  private submit(transport: Transport, record: MessageRecord, segments: number[] | undefined): ReturnType<Transport['submit']> {
    const transportId = transport.id;
    this.handed.set(transportId, (this.handed.get(transportId) ?? 0) + 1);
    this.submitting.add(record.id);
    const answered = () => {
      this.submitting.delete(record.id);
      this.handed.set(transportId, this.handed.get(transportId)! - 1);
    };
    let submitted: ReturnType<Transport['submit']>;
    try {
      submitted = transport.submit(this.outbound(record, segments));
    } catch (err) {
      answered();
      return Promise.reject(err);
    }
    submitted.then(answered, answered);
    return submitted;
  }

  /**
   * Permanent errors fail the message with the transport's code. A link that is down does not
   * use up attempts: the message is set aside for its route's transports until one comes up or
   * its validity ends (looking at it again on a timer instead rewrote every queued message each
   * time while an SMSC was away). Temporary refusals use up attempts. A message some of whose
   * segments a transport accepted waits for that transport only (`waitingFor`).
   */
  private afterFailure(record: MessageRecord, err: unknown, waitingFor: string[]): Promise<void> {
    const id = record.id;
    const now = Date.now();
    const error = toErrorInfo(err);
    if (error.code === 'TRANSPORT_PERMANENT') return this.step(id, (owner) => this.store.fail(id, owner, { error, now }));
    if (error.code === 'TRANSPORT_UNAVAILABLE') {
      return this.step(id, (owner) =>
        this.store.setAside(id, owner, { waitingFor, until: record.validUntil, error, now }),
      );
    }
    const attempts = record.attempts + 1;
    if (attempts >= this.options.retry.maxAttempts) {
      const exhausted = new SmsGateError(
        'RETRIES_EXHAUSTED',
        `gave up after ${attempts} attempts; last error: ${error.message}`,
        error.providerCode === undefined ? {} : { providerCode: error.providerCode },
      );
      return this.step(id, (owner) => this.store.fail(id, owner, { error: exhausted.toJSON(), now }));
    }
    const at = now + retryDelay(attempts, this.options.retry);
    if (at >= record.validUntil) {
      const expired = new SmsGateError('VALIDITY_EXPIRED', `the validity period ends before the next attempt; last error: ${error.message}`);
      return this.step(id, (owner) => this.store.fail(id, owner, { error: expired.toJSON(), now }));
    }
    return this.step(id, (owner) => this.store.retry(id, owner, { attempts, at, error, now }));
  }

  /**
   * Applies one outbox transition and announces it. The lease is let go first, so a renewal
   * that races the transition does not take the ended lease for a lapsed one.
   */
  private step(id: string, transition: (owner: string) => Promise<Transition | undefined>): Promise<void> {
    this.leases.letGo(id);
    // A plain reaction, not an async function: one frame and promise fewer on every message's path.
    return transition(this.leases.owner).then((done) => {
      if (done !== undefined && done.record.state !== done.previous) this.options.announce(done);
    });
  }

  private outbound(record: MessageRecord, segments: number[] | undefined): OutboundMessage {
    return {
      ...(segments === undefined ? {} : { segments }),
      id: record.id,
      recipient: record.recipient,
      sender: record.sender,
      encoded: encode(record),
      deliveryReport: record.deliveryReport,
      validUntil: record.validUntil,
      priority: record.priority,
      scheduledAt: record.scheduledAt,
    };
  }
}

/**
 * What a transport can start within one lease: its window twice over (full, and as many again
 * waiting their turn so it stays full), and with a rate limit no more than it sends in half a
 * lease (the other half is margin for the renewal). A one-at-a-time transport gets two.
 */
export function startableWithinLease(transport: Transport, leaseMs: number): number {
  const byWindow = 2 * (transport.capacity ?? 1);
  const rate = transport.maxPerSecond ?? 0;
  if (!(rate > 0)) return byWindow;
  return Math.max(1, Math.min(byWindow, Math.floor((rate * leaseMs) / 2000)));
}

/** Store writes after an accepted submit: retried with backoff from 100 ms to 5 s; a few more once stopping. */
const RECORD_RETRY_BASE_MS = 100;
const RECORD_RETRY_MAX_MS = 5000;
const RECORD_ATTEMPTS_WHEN_STOPPING = 3;

/** The same bytes as at acceptance: the choices and the concatenation reference are stored. */
function encode(record: MessageRecord): EncodedMessage {
  return encodeMessage(record.text, {
    encoding: record.encodingChoice,
    smart: record.smart,
    nationalLanguages: record.nationalLanguages,
    maxSegments: record.segments,
    reference16: record.reference16,
    ...(record.reference === null ? {} : { reference: record.reference }),
  });
}

function toErrorInfo(err: unknown): ErrorInfo {
  if (isSmsGateError(err)) return err.toJSON();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'TRANSPORT_TEMPORARY', message };
}
