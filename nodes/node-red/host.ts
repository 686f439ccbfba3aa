/**
 * One Gateway per Node-RED runtime, shared by every smsgate node: one outbox, one store, one
 * set of delivery reports and inbound messages, whichever connection they travel on.
 *
 * Connection config nodes (smsgate-smpp, smsgate-modem) join with their Transport when they
 * are deployed and leave when they are closed; the gateway starts with the first and stops
 * with the last. A redeploy is a leave and a join with the same id (the config node's id):
 * messages accepted meanwhile wait QUEUED in the store and go out once the transport is back.
 *
 * Reports, inbound messages and state changes that arrive while flows are stopped or starting
 * (from Node-RED's `flows:stopping` to `flows:started`) are held and handed on once the flows
 * are started, so a redeploy or a restart does not drop one between a status or receive node
 * closing and its successor listening.
 *
 * The gateway's store is SQLite in the Node-RED user directory (smsgate.db), so the outbox,
 * the provider-id correlation of delivery reports and inbound message parts survive a restart.
 * On a Node without node:sqlite (older than 22.13, as a Raspberry Pi's system Node may be) and
 * with no store in settings.js, it is memory instead, and the log and every node's status say
 * so: the nodes work out of the box rather than not at all. settings.js may set the store
 * (a store set there that cannot open is an error, not a fallback), the gateway's defaults and
 * its guard:
 *
 *   smsgate: { store: { type: 'memory' }, defaults: { region: 'GB' }, guard: { allowedCountries: ['GB'] },
 *              retention: { finalDays: 7, refusedHours: 24, inboundDays: 7 } }
 *
 * When the gateway cannot start (the store does not open, settings.js is wrong), the log says
 * why, the connections' status shows it, and sends fail with that error until a redeploy.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import {
  createStore,
  Gateway,
  SmsGateError,
  validateConfig,
  type LinkStatus,
  type ReportEvent,
  type StateChange,
  type Store,
  type StoreConfig,
  type StoredInbound,
  type Transport,
} from '../..';
import type { NodeRedRuntime } from './red';

export type ConnectionKind = 'smpp' | 'modem';

export interface ConnectionInfo {
  id: string;
  kind: ConnectionKind;
  /** What the editor shows for it: its name, or host:port / device path. */
  label: string;
  /** Its link as the transport last told it; `error` with the reason when it could not start. */
  link: LinkStatus;
}

type Held = { [E in 'report' | 'inbound' | 'state']: [E, ...HostEvents[E]] }['report' | 'inbound' | 'state'];

export interface HostEvents {
  /** A connection's link changed, one joined or left, or the queue depth changed. */
  change: [];
  report: [ReportEvent];
  inbound: [StoredInbound];
  state: [StateChange];
}

/** How often at most the queue depth is counted again while messages change state. */
const QUEUE_COUNT_MS = 250;

/** What the log and the nodes' status say while the outbox is in memory for want of node:sqlite. */
export const MEMORY_FALLBACK_NOTE = 'outbox in memory: this Node has no node:sqlite (needs 22.13); queued messages are lost on restart';

export class GatewayHost extends EventEmitter<HostEvents> {
  private readonly connections = new Map<string, ConnectionInfo>();
  /** The running gateway, or the start in progress; undefined when no connection is deployed. */
  private gateway: Promise<Gateway> | undefined;
  /** Joins and leaves run one after the other, so a redeploy's leave precedes its join. */
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private countTimer: NodeJS.Timeout | undefined;
  /** Until the flows have started, events wait here for the nodes that will listen. */
  private held: Held[] | undefined = [];
  private readonly watched = new WeakSet<object>();
  /** Why the last start of the gateway failed, while the connections that asked for it stay deployed. */
  private failure: Error | undefined;
  /** Said in every node's status while it holds: the outbox fell back to memory. */
  private note: string | undefined;
  private noteLogged = false;
  /**
   * A memory outbox outlives the gateway: a full redeploy stops the gateway with its last
   * connection and starts a new one, and the messages still queued must be there for it.
   */
  private memoryStore: Store | undefined;

  constructor() {
    super();
    // Every smsgate node listens here; more than ten on a flow is normal, not a leak.
    this.setMaxListeners(0);
  }

  /** Follows the runtime's deploys, to hold events while flows are not started. Idempotent. */
  watch(red: NodeRedRuntime): void {
    if (this.watched.has(red.events)) return;
    this.watched.add(red.events);
    red.events.on('flows:stopping', () => {
      this.held ??= [];
    });
    red.events.on('flows:started', () => {
      const held = this.held ?? [];
      this.held = undefined;
      for (const [event, payload] of held) this.emit(event, payload as never);
    });
  }

  /** Adds a deployed connection's transport to the shared gateway, starting the gateway if needed. */
  join(red: NodeRedRuntime, info: Omit<ConnectionInfo, 'link'>, transport: Transport): void {
    this.connections.set(info.id, { ...info, link: { state: 'connecting' } });
    this.emit('change');
    // Set at once, so a message sent right after the deploy waits for this start.
    const started = (this.gateway ??= this.enqueue(() => this.startGateway(red)));
    started.catch((err: Error) => {
      if (this.gateway !== started) return;
      this.gateway = undefined;
      this.failure = err;
    });
    this.enqueue(async () => {
      const gateway = await started;
      // Not awaited: a transport's start waits for its first bind, and a redeploy's leave
      // must not queue behind an SMSC that does not answer. It is registered at once.
      gateway.addTransport(transport).catch((err: Error) => this.setLink(info.id, { state: 'error', detail: err.message }));
    }).catch((err: Error) => this.setLink(info.id, { state: 'error', detail: err.message }));
  }

  /** Records a connection whose settings are wrong, so the nodes using it can say why. */
  refuse(info: Omit<ConnectionInfo, 'link'>, reason: string): void {
    this.connections.set(info.id, { ...info, link: { state: 'error', detail: reason } });
    this.emit('change');
  }

  /**
   * Stops a connection's transport (its link closes); the gateway stops with the last one,
   * unless a connection joined meanwhile (a redeploy), which keeps it.
   */
  leave(id: string): Promise<void> {
    this.connections.delete(id);
    // A failed start is forgotten with the last connection: the next deploy tries again.
    if (this.connections.size === 0) this.failure = undefined;
    this.emit('change');
    return this.enqueue(async () => {
      const started = this.gateway;
      const gateway = await started?.catch(() => undefined);
      if (gateway === undefined) return;
      await gateway.removeTransport(id);
      if (this.connections.size > 0 || this.gateway !== started) return;
      this.gateway = undefined;
      clearTimeout(this.countTimer);
      this.countTimer = undefined;
      this.queued = 0;
      await gateway.stop();
    });
  }

  /**
   * The running gateway; waits for one that is starting. Rejects with the reason the gateway
   * could not start (the store's error), or when no connection is deployed.
   */
  async current(): Promise<Gateway> {
    if (this.gateway === undefined) {
      throw this.failure ?? new SmsGateError('TRANSPORT_UNAVAILABLE', 'no smsgate connection is deployed: add an SMPP or modem connection');
    }
    return this.gateway;
  }

  /** What every node's status adds about the outbox (the memory fallback), if anything. */
  outboxNote(): string | undefined {
    return this.note;
  }

  connection(id: string): ConnectionInfo | undefined {
    return this.connections.get(id);
  }

  /** QUEUED messages in the outbox, across all connections. */
  queueDepth(): number {
    return this.queued;
  }

  private enqueue<T>(step: () => Promise<T>): Promise<T> {
    const next = this.chain.then(step);
    this.chain = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  private async startGateway(red: NodeRedRuntime): Promise<Gateway> {
    try {
      return await this.startGatewayWith(red, gatewaySettings(red));
    } catch (err) {
      red.log.error(`smsgate: the gateway could not start: ${(err as Error).message}`);
      throw err;
    }
  }

  private async startGatewayWith(red: NodeRedRuntime, settings: GatewaySettings): Promise<Gateway> {
    const gateway = new Gateway({
      store: settings.store.type === 'memory' ? (this.memoryStore ??= createStore(settings.store)) : createStore(settings.store),
      transports: [],
      // Every send node names its connections, so there is no route table to consult.
      routes: [],
      defaults: settings.defaults,
      guard: settings.guard,
      retention: settings.retention,
    });
    gateway.on('transport-status', ({ transportId, status }) => this.setLink(transportId, status));
    gateway.on('report', (event) => this.hand('report', event));
    gateway.on('inbound', (message) => this.hand('inbound', message));
    gateway.on('state', (change) => {
      this.countSoon(gateway);
      this.hand('state', change);
    });
    gateway.on('warning', (err) => red.log.warn(`smsgate: ${err.message}`));
    await gateway.start();
    this.failure = undefined;
    if (settings.fallback) {
      // Once per runtime: a redeploy that restarts the gateway does not repeat it.
      if (!this.noteLogged) red.log.warn(`smsgate: ${MEMORY_FALLBACK_NOTE}`);
      this.noteLogged = true;
      this.note = MEMORY_FALLBACK_NOTE;
      this.emit('change');
    } else if (settings.store.type === 'memory') {
      red.log.warn('smsgate: the outbox is in memory; queued messages are lost on restart');
    }
    this.countSoon(gateway);
    return gateway;
  }

  private hand(...event: Held): void {
    if (this.held !== undefined) this.held.push(event);
    else this.emit(event[0], event[1] as never);
  }

  private setLink(id: string, link: LinkStatus): void {
    const connection = this.connections.get(id);
    if (connection === undefined) return;
    connection.link = link;
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
}

interface GatewaySettings {
  store: StoreConfig;
  /** The store is memory because this Node lacks node:sqlite and settings.js named no store. */
  fallback: boolean;
  defaults: ReturnType<typeof validateConfig>['defaults'];
  guard: ReturnType<typeof validateConfig>['guard'];
  retention: ReturnType<typeof validateConfig>['retention'];
}

/**
 * settings.js's `smsgate` section, checked by the config file's own validator. That format
 * requires a transport; here the connections come from the flows, so a placeholder stands in.
 */
function gatewaySettings(red: NodeRedRuntime): GatewaySettings {
  const userDir = red.settings.userDir;
  const given = (red.settings.smsgate ?? {}) as Record<string, unknown>;
  const fallback = userDir !== undefined && given.store === undefined && !hasNodeSqlite();
  const defaultStore = userDir === undefined || fallback ? { type: 'memory' } : { type: 'sqlite', path: join(userDir, 'smsgate.db') };
  try {
    const config = validateConfig(
      { store: defaultStore, ...given, transports: [{ id: 'settings', type: 'loopback' }] },
      userDir === undefined ? {} : { baseDir: userDir },
    );
    return { store: config.store, fallback, defaults: config.defaults, guard: config.guard, retention: config.retention };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new SmsGateError('CONFIG_INVALID', `settings.js smsgate: ${message}`);
  }
}

/** node:sqlite is built into Node from 22.13 (behind a flag from 22.5, which counts as absent). */
function hasNodeSqlite(): boolean {
  try {
    require('node:sqlite');
    return true;
  } catch {
    return false;
  }
}

/** The one host of this Node-RED runtime (a Node-RED process runs one runtime). */
export const host = new GatewayHost();
