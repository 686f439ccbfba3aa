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
 * - Deliveries: reports, inbound messages and state changes reach listeners through `listen`.
 *   While a platform swaps its listeners (Node-RED from `flows:stopping` to `flows:started`),
 *   `hold` keeps them and `release` hands them on, in order.
 * - The store: `configure` (settings.ts) names it at each start. A memory store outlives the
 *   gateway, so a full redeploy (last connection gone, a new one come) keeps what it queued.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { TransportConfig } from '../config';
import { SmsGateError } from '../errors';
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
type Delivery = { [K in DeliveryKind]: [K, ...Deliveries[K]] }[DeliveryKind];

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
  private readonly deliveries = new EventEmitter<Deliveries>();
  /** Deliveries waiting for `release`; undefined while they are handed on at once. */
  private held: Delivery[] | undefined;
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
    this.deliveries.setMaxListeners(0);
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
   * report, inbound message and state change reaches each listener once. `listenerId` names
   * the listener alike in every process of a deployment (a Node-RED node's id; an n8n
   * workflow's id and the trigger's name). Returns the unsubscribe function. A listener that
   * throws is logged and does not stop the others.
   *
   * Today these are the events of this process's gateway. The cross-process event feed (issue
   * 15 point 2: once per listener id across processes) plugs in here and in `deliver`, re-made
   * on each gateway the host starts, so every listener keeps this one way in.
   */
  listen<K extends DeliveryKind>(listenerId: string, kind: K, listener: (...args: Deliveries[K]) => void): () => void {
    const guarded = (...args: Deliveries[K]) => {
      try {
        listener(...args);
      } catch (err) {
        this.log.error(`smsgate: listener ${listenerId} failed on a ${kind}: ${(err as Error).message}`);
      }
    };
    this.deliveries.on(kind, guarded as never);
    return () => void this.deliveries.off(kind, guarded as never);
  }

  /** Keeps deliveries until `release` (while the platform's listeners are being replaced). */
  hold(): void {
    this.held ??= [];
  }

  /** Hands on what was held, in order, and whatever comes next at once. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const delivery of held) this.emitDelivery(delivery);
  }

  private deliver(...delivery: Delivery): void {
    if (this.held !== undefined) this.held.push(delivery);
    else this.emitDelivery(delivery);
  }

  private emitDelivery([kind, payload]: Delivery): void {
    this.deliveries.emit(kind, payload as never);
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
      gateway.on('report', (event) => this.deliver('report', event));
      gateway.on('inbound', (message) => this.deliver('inbound', message));
      gateway.on('state', (change) => {
        this.countSoon(gateway);
        this.deliver('state', change);
      });
      gateway.on('warning', (err) => this.log.warn(`smsgate: ${err.message}`));
      await gateway.start();
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
