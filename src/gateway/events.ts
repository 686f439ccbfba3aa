/**
 * Events across processes: state changes, delivery reports and inbound messages reach a
 * listener (a Node-RED status or receive node, an n8n trigger) in whichever process sharing the
 * store has one, and each starts a listening flow once per deployment, not once per process.
 *
 * A listener has a stable id (a Node-RED node id; an n8n workflow id and node name), the same
 * in every process of the deployment. The store keeps a bounded feed of events and, per
 * listener id, a consumer group (Store.joinFeed): a process that produces an event appends it
 * (batched: one store write per event-loop turn, only for kinds some group listens for), and
 * every process that listens reads its groups' events in one poll of the store. Each event goes
 * to the one process whose read took it, under a lease; that process acknowledges it once the
 * handler ran. Who hands it on: the first process to read it, usually the one that produced it,
 * since it reads at once after appending (in-process delivery, no poll to wait for). When that
 * process dies before acknowledging, the lease lapses and the next read of another process
 * takes the event, marked `redelivered`: at least once per group, exactly once in normal
 * operation.
 *
 * Events are appended after the change that made them is stored. A report or an inbound message
 * is answered to the network only once its event is appended too (the transport awaits it), so a
 * process that dies between the two gets the receipt or SMS again from the network; a state
 * change made by the outbox is lost with a process that dies in between (its listeners may miss
 * it; the message itself is not).
 */
import type { FeedKind, FeedPayload, Store } from '../store/types';

/** An event as listeners get it (see FeedPayload). */
export type GatewayEvent = FeedPayload;

export interface EventDelivery {
  /** The event's id in the store's feed. */
  id: string;
  /** True when another process had it first and died (or stalled) before acknowledging it. */
  redelivered: boolean;
}

/**
 * Handles one event; the event is acknowledged once it returns (or its promise settles). A
 * handler that throws is logged as a warning and its event acknowledged all the same: it is not
 * handed on again.
 */
export type EventHandler = (event: GatewayEvent, delivery: EventDelivery) => void | Promise<void>;

export interface Listening {
  /** Resolves once the listener's group is in the store (events from then on reach it); rejects if the store refused. */
  readonly ready: Promise<void>;
  /**
   * Hands this handler no more events (one being handled finishes first; those read for it and
   * not handed on yet are released, for the next read with the id). The group stays in the
   * store, so what comes meanwhile waits for the next process to listen with the id; `forget`
   * removes it too (the flow or trigger is gone for good).
   */
  close(options?: { forget?: boolean }): Promise<void>;
}

export interface EventFeedOptions {
  store: Store;
  /** The consumer this process reads as: random per gateway. */
  consumer: string;
  /** How often to read the feed while something here listens. */
  pollMs: number;
  /** How long an event read here stays reserved to this process before another may take it. */
  leaseMs: number;
  /** The feed keeps at most this many events. */
  maxEvents: number;
  /** Events older than this are trimmed, and groups not joined for this long removed. */
  retentionMs: number;
  /** How often to learn which kinds other processes listen for, and to trim the feed. */
  refreshMs: number;
  warn(err: Error): void;
}

/** Events read per listener per poll. */
const BATCH = 100;

interface LocalListener {
  id: string;
  kinds: Set<FeedKind>;
  handler: EventHandler;
}

interface Outgoing {
  events: FeedPayload[];
  appended: Promise<void>;
}

export class EventFeed {
  private readonly store: Store;
  private readonly listeners = new Map<string, LocalListener>();
  /** By listener id, the batch being handled: no new read for that id until it is done. */
  private readonly busy = new Map<string, Promise<void>>();
  /** The groups this process joined (and did not leave), with their kinds. */
  private readonly joinedHere = new Map<string, Set<FeedKind>>();
  /** The kinds some group in the store listens for, as last read (refreshMs), and those of listeners here. */
  private wanted = new Set<FeedKind>();
  private outgoing: Outgoing | undefined;
  private running = false;
  /** Resolved by start(): listeners made before it join their groups then. */
  private started = deferred();
  private pollTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** A poll was asked for while one ran: another follows it at once. */
  private pollAgain = false;
  private lastJoin = 0;
  private lastTrim = 0;

  constructor(private readonly options: EventFeedOptions) {
    this.store = options.store;
  }

  /** Starts (the store is open): learns what others listen for, joins this process's listeners, polls. */
  async start(): Promise<void> {
    this.running = true;
    this.started.resolve();
    await this.refresh();
    this.refreshTimer = setInterval(() => void this.refresh(), this.options.refreshMs);
    this.kick();
  }

  /**
   * Stops polling, appends what was published, and lets the batches being handled finish
   * (waiting at most a lease: after that their events are another process's anyway).
   */
  async stop(): Promise<void> {
    this.running = false;
    this.started = deferred();
    clearInterval(this.refreshTimer);
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    await this.outgoing?.appended.catch(() => undefined);
    await this.polling;
    const busy = [...this.busy.values()];
    if (busy.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(busy), new Promise((resolve) => (timer = setTimeout(resolve, this.options.leaseMs)))]);
    clearTimeout(timer);
  }

  /**
   * Hands `handler` the events of `kinds` produced by any process sharing the store, each event
   * to one process among those listening with `id`. A second listen with the same id in this
   * process takes over from the first.
   */
  listen(id: string, kinds: readonly FeedKind[], handler: EventHandler): Listening {
    const listener: LocalListener = { id, kinds: new Set(kinds), handler };
    this.listeners.set(id, listener);
    // Its group outlives this handler (see close): what this process produces from now on is
    // appended for it, also after a close, without waiting for the next refresh to learn it.
    this.joinedHere.set(id, new Set(kinds));
    for (const kind of kinds) this.wanted.add(kind);
    // Before start() (the store is not open yet), the group is joined once it is.
    const ready = (this.running ? Promise.resolve() : this.started.promise)
      .then(() => this.store.joinFeed(id, [...kinds], Date.now()))
      .then(() => this.kick());
    ready.catch((err: Error) => this.options.warn(err));
    return {
      ready,
      close: async ({ forget = false } = {}) => {
        if (this.listeners.get(id) === listener) this.listeners.delete(id);
        await this.busy.get(id);
        if (!forget) return;
        this.joinedHere.delete(id);
        await this.store.leaveFeed(id);
      },
    };
  }

  /**
   * Appends an event for the listeners of any process; resolves once it is in the store (at
   * once when no group listens for its kind). Events published in one event-loop turn share
   * one store write.
   */
  publish(event: FeedPayload): Promise<void> {
    if (!this.wants(event.kind)) return Promise.resolve();
    if (this.outgoing === undefined) {
      const events: FeedPayload[] = [];
      const appended = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        this.outgoing = undefined;
        await this.store.appendEvents(events, Date.now(), this.options.maxEvents);
        // A listener here takes them now rather than at its next poll.
        if (events.some((e) => this.listenedHere(e.kind))) this.kick();
      });
      this.outgoing = { events, appended };
    }
    this.outgoing.events.push(event);
    return this.outgoing.appended;
  }

  /** Whether a listener here or in another process takes events of `kind`; publishing one is a no-op otherwise. */
  wants(kind: FeedKind): boolean {
    return this.wanted.has(kind);
  }

  private listenedHere(kind: FeedKind): boolean {
    for (const listener of this.listeners.values()) if (listener.kinds.has(kind)) return true;
    return false;
  }

  /**
   * What other processes listen for; now and then, this process's listeners joined again (so the
   * store keeps their groups: trimFeed removes groups not joined for the retention time) and the
   * feed trimmed. A failure is logged and tried again at the next refresh.
   */
  private async refresh(): Promise<void> {
    const now = Date.now();
    try {
      const rejoinEvery = Math.min(this.options.retentionMs / 4, 10 * 60_000);
      if (now - this.lastJoin >= rejoinEvery) {
        for (const listener of this.listeners.values()) await this.store.joinFeed(listener.id, [...listener.kinds], now);
        this.lastJoin = now;
      }
      const wanted = await this.store.feedKinds();
      // Also the groups joined here while the store was read.
      for (const kinds of this.joinedHere.values()) for (const kind of kinds) wanted.add(kind);
      this.wanted = wanted;
      if (now - this.lastTrim >= rejoinEvery) {
        this.lastTrim = now;
        await this.store.trimFeed(now - this.options.retentionMs);
      }
    } catch (err) {
      this.options.warn(err as Error);
    }
  }

  /** Reads the feed at once (after the poll under way, if one is). */
  private kick(): void {
    if (this.polling !== undefined) {
      this.pollAgain = true;
      return;
    }
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    this.schedulePoll(0);
  }

  private schedulePoll(delayMs: number): void {
    if (!this.running || this.pollTimer !== undefined || this.polling !== undefined || this.listeners.size === 0) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      this.polling = this.poll()
        .catch((err: Error) => this.options.warn(err)) // the store is down for now: the next poll asks again
        .finally(() => {
          this.polling = undefined;
          const again = this.pollAgain;
          this.pollAgain = false;
          this.schedulePoll(again ? 0 : this.options.pollMs);
        });
    }, delayMs);
  }

  /** One read of the store for every listener here that is not busy; each handles its batch apart. */
  private async poll(): Promise<void> {
    const idle = [...this.listeners.values()].filter((listener) => !this.busy.has(listener.id));
    if (idle.length === 0) return;
    const read = await this.store.readFeed(
      idle.map((listener) => listener.id),
      this.options.consumer,
      Date.now(),
      this.options.leaseMs,
      BATCH,
    );
    for (const [id, events] of read) {
      const listener = this.listeners.get(id);
      if (listener === undefined) {
        // Closed meanwhile (a redeploy): released, for its successor here or another process now.
        this.release(id, events.map((e) => e.id));
        continue;
      }
      const busy = this.handle(listener, events.map((e) => ({ event: e.payload, delivery: { id: e.id, redelivered: e.redelivered } })));
      this.busy.set(id, busy);
      void busy.finally(() => {
        this.busy.delete(id);
        // More may have come meanwhile (a full batch, or events published here while it was busy).
        this.kick();
      });
    }
  }

  /** Hands the events on in order, then acknowledges those handled; never rejects. */
  private async handle(listener: LocalListener, events: { event: GatewayEvent; delivery: EventDelivery }[]): Promise<void> {
    const handled: string[] = [];
    for (const { event, delivery } of events) {
      // The listener closed: the rest are released, for another process (or its successor here).
      const current = this.listeners.get(listener.id);
      if (current === undefined) {
        this.release(listener.id, events.slice(handled.length).map((e) => e.delivery.id));
        break;
      }
      try {
        await current.handler(event, delivery);
      } catch (err) {
        this.options.warn(new Error(`a listener (${listener.id}) failed on a ${event.kind} event: ${(err as Error).message}`));
      }
      handled.push(delivery.id);
    }
    await this.store.ackFeed(listener.id, handled).catch((err: Error) => this.options.warn(err));
  }

  /**
   * Gives up events read here that no listener here takes: the next read, of any process, has
   * them at once, instead of after the lease (a redeploy would else hold them back that long).
   */
  private release(id: string, eventIds: string[]): void {
    if (eventIds.length === 0) return;
    this.store
      .releaseFeed(id, eventIds)
      .then(() => this.kick())
      .catch((err: Error) => this.options.warn(err)); // they lapse with their lease then
  }
}

/** A promise and what resolves it (Promise.withResolvers, which Node 20 lacks). */
function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
