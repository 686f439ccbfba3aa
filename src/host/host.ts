/**
 * The gateway host: one Gateway on one store, shared by every connection a platform opens
 * (Node-RED's smsgate-smpp and smsgate-modem config nodes, n8n's credentials). The platforms'
 * nodes are thin adapters over it; it imports nothing of theirs.
 *
 * - Connections come and go: `use` runs a connection's transport (or swaps it for one with
 *   other settings), `drop` takes it out. The gateway starts with the first connection and
 *   stops with the last. Every change runs one after the other, so a redeploy's drop precedes
 *   its use and a swap of transports never interleaves with a close. Messages for a connection
 *   that is away (a redeploy) wait QUEUED in the store and go out once it is back.
 * - Link status: each connection's link as its transport last told it; `connecting` until it
 *   does; `error` with the reason when its settings, its transport or the gateway's start
 *   failed. `change` fires whenever a link, the set of connections, the queue depth or the
 *   outbox note changes, so a platform's status always tells the truth.
 * - Deliveries: reports, inbound messages and state changes reach listeners through `listen`,
 *   from any process sharing the store, each once per listener id across those processes (the
 *   gateway's event feed, Gateway.listen: one feed listener per id, re-made on each gateway the
 *   host starts). While a platform swaps its listeners (Node-RED from `flows:stopping` to
 *   `flows:started`), `hold` keeps them and `release` hands them on, in order.
 * - The store: `configure` (settings.ts) names it at each start. A memory store outlives the
 *   gateway, so a full redeploy (last connection gone, a new one come) keeps what it queued.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { TransportConfig } from '../config';
import { SmsGateError } from '../errors';
import type { GatewayEvent, Listening } from '../gateway/events';
import { Gateway, type ReportEvent, type StateChange } from '../gateway/gateway';
import { createStore, type Store, type StoredInbound } from '../store';
import { createTransport } from '../transport/registry';
import type { LinkStatus, Transport } from '../transport/types';
import type { HostConfig } from './settings';

export interface ConnectionInfo {
  /** The transport's id: the config node's id, a credential's account digest. */
  id: string;
  /** What a person recognises it by (a name, host:port, a device path); never a secret. */
  label: string;
  /** `smpp`, `modem`, ...: what the platform calls it. */
  kind: string;
}

export interface Connection extends ConnectionInfo {
  link: LinkStatus;
}

export interface HostLog {
  warn(message: string): void;
  error(message: string): void;
}

/** What listeners get: each once per listener (see `listen`). */
export interface Deliveries {
  report: [ReportEvent];
  inbound: [StoredInbound];
  state: [StateChange];
}

export type DeliveryKind = keyof Deliveries;
type Handler<K extends DeliveryKind = DeliveryKind> = (...args: Deliveries[K]) => void;

/** Ends a subscription; `forget` also removes the listener id's place in the store (it is gone for good). */
export type Unsubscribe = (options?: { forget?: boolean }) => Promise<void>;

export interface HostOptions {
  /** The store and the gateway's settings, read at each start; a throw is a failed start. */
  configure: () => HostConfig;
  log?: HostLog;
}

/** How often at most the queue depth is counted again while messages change state. */
const QUEUE_COUNT_MS = 250;

interface Wanted {
  connection: Connection;
  /** A digest of the transport's settings; undefined for a connection refused for its settings. */
  fingerprint: string | undefined;
}

/** A listener id's one feed listener on the running gateway, and the kinds it was made with. */
interface FeedListener {
  kinds: string;
  listening: Listening;
}

/** An event read for a listener id while deliveries are held: handed on at `release`. */
interface HeldEvent {
  listenerId: string;
  event: GatewayEvent;
  /** Lets the feed acknowledge it: at `release`, or when its gateway stops (it is then kept here only). */
  settle(): void;
}

interface Running {
  fingerprint: string;
  transport: Transport;
  /** Settles once the transport's start did (its first bind or its failure). */
  started: Promise<void>;
}

export class GatewayHost extends EventEmitter<{ change: [] }> {
  /** What the platform asked for, changed at once by use, refuse and drop. */
  private readonly wanted = new Map<string, Wanted>();
  /** What the gateway runs; changed only inside steps. */
  private readonly running = new Map<string, Running>();
  /** The running gateway, or its start in progress; undefined while no connection is used. */
  private gateway: Promise<Gateway> | undefined;
  /** Why the last start failed, while the connections that asked for it stay. */
  private failure: Error | undefined;
  /** Connection changes run one after the other. */
  private chain: Promise<unknown> = Promise.resolve();
  /** The gateway `gateway` resolves to, from its construction (listeners join before its start) to its stop. */
  private live: Gateway | undefined;
  /** By listener id, the handler of each kind it subscribed to. */
  private readonly subscriptions = new Map<string, Map<DeliveryKind, Handler>>();
  /** By listener id, its listener on the live gateway's event feed. */
  private readonly feedListeners = new Map<string, FeedListener>();
  /** Events waiting for `release`; undefined while they are handed on at once. */
  private held: HeldEvent[] | undefined;
  private memoryStore: Store | undefined;
  private note: string | undefined;
  private noteLogged = false;
  private queued = 0;
  private countTimer: NodeJS.Timeout | undefined;
  private log: HostLog;

  constructor(private readonly options: HostOptions) {
    super();
    // Every node of a flow may watch the status: more than ten is normal, not a leak.
    this.setMaxListeners(0);
    this.log = options.log ?? { warn: () => undefined, error: () => undefined };
  }

  /** Where the host's warnings and errors go from now on (the platform's current logger). */
  useLog(log: HostLog): void {
    this.log = log;
  }

  /**
   * Runs the connection's transport in the shared gateway, starting the gateway if needed;
   * the same settings again change nothing, other settings replace the transport. Resolves once
   * the transport's start has settled (its link then says how it went); rejects when the
   * gateway could not start, with the reason, which the connection's link also shows.
   */
  use(info: ConnectionInfo, transport: TransportConfig): Promise<void> {
    const fingerprint = digest(transport);
    const known = this.wanted.get(info.id);
    if (known?.fingerprint === fingerprint) {
      known.connection = { ...info, link: known.connection.link };
    } else {
      this.wanted.set(info.id, { connection: { ...info, link: { state: 'connecting' } }, fingerprint });
      this.emit('change');
    }
    const started = this.startGateway();
    const step = this.enqueue(async () => {
      let gateway: Gateway;
      try {
        gateway = await started;
      } catch (err) {
        this.setLink(info.id, errorLink(err));
        throw err;
      }
      return { started: await this.reconcile(gateway, info.id, fingerprint, transport) };
    });
    // The step does not wait for the start: a bind that does not answer must not hold up a
    // redeploy's drop behind it. The caller does.
    return step.then((done) => done.started);
  }

  /** Records a connection whose settings are wrong, so whatever uses it can say why. */
  refuse(info: ConnectionInfo, reason: string): void {
    this.wanted.set(info.id, { connection: { ...info, link: { state: 'error', detail: reason } }, fingerprint: undefined });
    this.emit('change');
  }

  /**
   * Stops a connection's transport and forgets it; the gateway stops with the last one, unless
   * a connection came meanwhile (a redeploy), which keeps it.
   */
  drop(id: string): Promise<void> {
    if (this.wanted.delete(id)) this.emit('change');
    // A failed start is forgotten with the last connection: the next one tries again.
    if (this.wanted.size === 0) this.failure = undefined;
    return this.enqueue(async () => {
      const started = this.gateway;
      const gateway = await started?.catch(() => undefined);
      if (gateway === undefined) return;
      if (this.running.delete(id)) await gateway.removeTransport(id);
      if (this.wanted.size > 0 || this.gateway !== started) return;
      await this.stopGateway(gateway);
    });
  }

  /**
   * The running gateway; waits for one that is starting. Rejects with the reason the gateway
   * could not start (the store's error, the settings' error), or when no connection is used.
   */
  async current(): Promise<Gateway> {
    if (this.gateway === undefined) {
      throw this.failure ?? new SmsGateError('TRANSPORT_UNAVAILABLE', 'no smsgate connection is deployed: add an SMPP or modem connection');
    }
    return this.gateway;
  }

  connection(id: string): Readonly<Connection> | undefined {
    return this.wanted.get(id)?.connection;
  }

  /** QUEUED messages in the outbox, across all connections (counted at most every 250 ms). */
  queueDepth(): number {
    return this.queued;
  }

  /** What every status should add about the outbox (that it fell back to memory), if anything. */
  outboxNote(): string | undefined {
    return this.note;
  }

  /**
   * Where listeners (Node-RED's receive and status nodes, n8n's trigger) subscribe: each
   * report, inbound message and state change, produced by any process sharing the store,
   * reaches each listener id once across those processes. `listenerId` names the listener alike
   * in every process of a deployment (a Node-RED node's id; an n8n workflow's id and the
   * trigger's name); one id may subscribe to several kinds, one handler each (a later one for
   * the same kind replaces the earlier). Returns the unsubscribe. A listener that throws is
   * logged and does not stop the others; its event is not handed to it again.
   *
   * While no process listens with an id that listened before (a redeploy, a restart), what comes
   * waits in the store for its return; unsubscribe with `forget` when it will not return.
   */
  listen<K extends DeliveryKind>(listenerId: string, kind: K, listener: Handler<K>): Unsubscribe {
    let kinds = this.subscriptions.get(listenerId);
    if (kinds === undefined) this.subscriptions.set(listenerId, (kinds = new Map()));
    kinds.set(kind, listener as Handler);
    this.listenOnFeedLogged(listenerId);
    return async ({ forget = false } = {}) => {
      const current = this.subscriptions.get(listenerId);
      if (current?.get(kind) !== listener) return;
      current.delete(kind);
      if (current.size === 0) this.subscriptions.delete(listenerId);
      await this.listenOnFeed(listenerId, forget);
    };
  }

  /**
   * Resolves once `listenerId`'s place in the store is made on the running gateway (what any
   * process produces from then on reaches it); rejects if the store refused, or when it is not
   * subscribed or no gateway runs.
   */
  async ready(listenerId: string): Promise<void> {
    const listener = this.feedListeners.get(listenerId);
    if (listener === undefined) throw new SmsGateError('OPTION_INVALID', `no listener ${listenerId} on a running gateway`, { field: 'listenerId' });
    await listener.listening.ready;
  }

  /** Keeps deliveries until `release` (while the platform's listeners are being replaced). */
  hold(): void {
    this.held ??= [];
  }

  /** Hands on what was held, in order, to the listeners subscribed now, and whatever comes next at once. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const { listenerId, event, settle } of held) {
      this.handOn(listenerId, event);
      settle();
    }
  }

  /** How many events are waiting for `release`. */
  heldCount(): number {
    return this.held?.length ?? 0;
  }

  /**
   * Makes the live gateway's feed listener for `listenerId` match its subscriptions: one listener
   * with the union of their kinds (a second Gateway.listen with an id takes over from the first),
   * none once the last is gone. Resolves once a listener closed is done.
   */
  private async listenOnFeed(listenerId: string, forget = false): Promise<void> {
    const gateway = this.live;
    if (gateway === undefined) return; // made when the next gateway opens
    const current = this.feedListeners.get(listenerId);
    const subscribed = this.subscriptions.get(listenerId);
    if (subscribed === undefined) {
      if (current === undefined) return;
      this.feedListeners.delete(listenerId);
      await current.listening.close({ forget });
      return;
    }
    const kinds = [...subscribed.keys()].sort();
    if (current?.kinds === kinds.join()) return;
    const listening = gateway.listen(listenerId, kinds, (event) => this.deliver(gateway, listenerId, event));
    this.feedListeners.set(listenerId, { kinds: kinds.join(), listening });
  }

  private listenOnFeedLogged(listenerId: string): void {
    this.listenOnFeed(listenerId).catch((err: Error) => this.log.error(`smsgate: listener ${listenerId} cannot listen: ${err.message}`));
  }

  /**
   * An event from the feed for `listenerId`: handed on now, or kept until `release`. A kept event
   * stays unacknowledged in the store (leased to this process) until then; once its gateway
   * stops (a full redeploy while held), it is acknowledged and kept here only, so that the stop
   * does not wait for the flows' start.
   */
  private deliver(gateway: Gateway, listenerId: string, event: GatewayEvent): Promise<void> | void {
    if (this.held === undefined) return this.handOn(listenerId, event);
    const held = this.held;
    return new Promise<void>((settle) => {
      held.push({ listenerId, event, settle });
      if (this.live !== gateway) settle();
    });
  }

  private handOn(listenerId: string, event: GatewayEvent): void {
    const handler = this.subscriptions.get(listenerId)?.get(event.kind);
    if (handler === undefined) return; // not (or no longer) subscribed to this kind: acknowledged all the same
    try {
      if (event.kind === 'report') (handler as Handler<'report'>)({ report: event.report, message: event.message });
      else if (event.kind === 'inbound') (handler as Handler<'inbound'>)(event.message);
      else (handler as Handler<'state'>)({ message: event.message, previous: event.previous });
    } catch (err) {
      this.log.error(`smsgate: listener ${listenerId} failed on a ${event.kind}: ${(err as Error).message}`);
    }
  }

  /** Makes the gateway run the transport the connection wants now, unless a later step will. */
  private async reconcile(gateway: Gateway, id: string, fingerprint: string, config: TransportConfig): Promise<void> {
    if (this.wanted.get(id)?.fingerprint !== fingerprint) return; // dropped or changed since: a later step decides
    const current = this.running.get(id);
    if (current?.fingerprint === fingerprint) return current.started;
    if (current !== undefined) {
      this.running.delete(id);
      await gateway.removeTransport(id);
    }
    let transport: Transport;
    try {
      transport = createTransport(config, 0);
    } catch (err) {
      this.setLink(id, errorLink(err));
      return;
    }
    this.setLink(id, { state: 'connecting' });
    const started = gateway.addTransport(transport).catch((err: unknown) => {
      if (this.running.get(id)?.transport !== transport) return;
      this.running.delete(id);
      this.setLink(id, errorLink(err));
    });
    this.running.set(id, { fingerprint, transport, started });
    return started;
  }

  private startGateway(): Promise<Gateway> {
    if (this.gateway !== undefined) return this.gateway;
    const started = this.enqueue(() => this.open());
    this.gateway = started;
    started.catch((err: Error) => {
      if (this.gateway !== started) return;
      this.gateway = undefined;
      this.failure = err;
    });
    return started;
  }

  private async open(): Promise<Gateway> {
    try {
      const config = this.options.configure();
      const gateway = new Gateway({
        store: config.store.type === 'memory' ? (this.memoryStore ??= createStore(config.store)) : createStore(config.store),
        transports: [],
        // Whoever sends names the connections (a send node its config nodes, n8n its
        // credential): there is no route table to consult.
        routes: [],
        defaults: config.defaults,
        guard: config.guard,
        retention: config.retention,
      });
      gateway.on('transport-status', ({ transportId, status }) => this.setLink(transportId, status));
      // Listeners get events through the feed (listenOnFeed), from every process: the
      // gateway's own in-process events only count the queue here.
      gateway.on('state', () => this.countSoon(gateway));
      gateway.on('warning', (err) => this.log.warn(`smsgate: ${err.message}`));
      this.live = gateway;
      this.feedListeners.clear();
      for (const listenerId of this.subscriptions.keys()) this.listenOnFeedLogged(listenerId);
      try {
        await gateway.start();
      } catch (err) {
        if (this.live === gateway) this.live = undefined;
        throw err;
      }
      this.failure = undefined;
      this.tellStore(config);
      this.countSoon(gateway);
      return gateway;
    } catch (err) {
      this.log.error(`smsgate: the gateway could not start: ${(err as Error).message}`);
      throw err;
    }
  }

  /** A memory outbox is said: once and in every status when it is a fallback, else at each start. */
  private tellStore(config: HostConfig): void {
    if (config.note !== undefined) {
      if (!this.noteLogged) this.log.warn(`smsgate: ${config.note}`);
      this.noteLogged = true;
    } else if (config.store.type === 'memory') {
      this.log.warn('smsgate: the outbox is in memory; queued messages are lost on restart');
    }
    if (this.note === config.note) return;
    this.note = config.note;
    this.emit('change');
  }

  private async stopGateway(gateway: Gateway): Promise<void> {
    this.gateway = undefined;
    this.live = undefined;
    this.feedListeners.clear();
    // Held events of this gateway are kept here, acknowledged, so its stop does not wait for a release.
    for (const held of this.held ?? []) held.settle();
    this.running.clear();
    clearTimeout(this.countTimer);
    this.countTimer = undefined;
    this.queued = 0;
    await gateway.stop();
  }

  private setLink(id: string, link: LinkStatus): void {
    const wanted = this.wanted.get(id);
    if (wanted === undefined) return;
    wanted.connection = { ...wanted.connection, link };
    this.emit('change');
  }

  private countSoon(gateway: Gateway): void {
    if (this.countTimer !== undefined) return;
    this.countTimer = setTimeout(() => {
      this.countTimer = undefined;
      gateway.status().then(
        ({ messages }) => {
          const queued = messages.QUEUED ?? 0;
          if (queued === this.queued) return;
          this.queued = queued;
          this.emit('change');
        },
        // The gateway stopped (a redeploy) while counting: the next one counts again.
        () => undefined,
      );
    }, QUEUE_COUNT_MS);
  }

  private enqueue<T>(step: () => Promise<T>): Promise<T> {
    const next = this.chain.then(step);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

function errorLink(err: unknown): LinkStatus {
  return { state: 'error', detail: err instanceof Error ? err.message : String(err) };
}

/** Settings compared, never shown: a digest, so a password is not kept in one more place. */
function digest(config: TransportConfig): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex');
}
