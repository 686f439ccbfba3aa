/**
 * The connections of this n8n process, pooled per credential as n8n's own connection pool
 * manager pools database clients: executions reuse a bind (or an open modem) instead of binding
 * per item or per run, and a connection nobody used for a while is closed.
 *
 * The gateway, its store, its serial changes and the links' status are the core's gateway host
 * (src/host), which Node-RED shares; what is n8n's here is who holds a connection and how long.
 * The store is chosen by the environment (settings.ts): SQLite in the n8n user folder by
 * default, which every n8n process of a machine opens, or a Redis that processes on several
 * machines share; either way a delivery report received by the trigger in one process finds
 * the message, its id and its correlation value, that the SMS Gateway node accepted in another.
 *
 * Which SMPP bind a connection holds follows who uses it, so that receipts reach the process
 * that listens for them: while only the SMS Gateway node sends, a transmitter bind (an SMSC
 * sends receipts to a session that can receive them: not this one, but a trigger's, in this
 * process or another, or it keeps them until one binds); while a trigger listens, or a send
 * waits for its message's final state (`receipts`), the credential's bind mode (one
 * transceiver bind, by default, for sends and receipts alike), so the receipt can come here.
 * A transmitter-only credential cannot receive: such a send's wait ends when another process
 * bound to the same account (a trigger) stores the report, which it reads from the shared store.
 * A modem is one device: it is opened once and both sends and receives.
 */
import {
  hostConfig,
  sharedHost,
  SmsGateError,
  type Deliveries,
  type DeliveryKind,
  type Gateway,
  type GatewayHost,
  type HostLog,
  type LinkStatus,
  type SmppBind,
  type TransportConfig,
  type Unsubscribe,
} from '../../..';
import type { Connection } from './connection';
import { hostSettingsFromEnv } from './settings';

export type Role = 'send' | 'receive';

export interface AcquireOptions {
  log?: HostLog;
  /**
   * A send that waits for delivery reports: the connection also receives while the lease is
   * held, as far as the credential allows (not for a transmitter-only SMPP credential).
   */
  receipts?: boolean;
}

export interface Lease {
  readonly gateway: Gateway;
  readonly transportId: string;
  /** Whether receipts can reach this process through this lease's connection. */
  readonly receives: boolean;
  /** The link as its transport last reported it. */
  link(): LinkStatus | undefined;
  /**
   * Subscribes to the reports, inbound messages or state changes of every process sharing the
   * store, each once per `listenerId` across them (GatewayHost.listen); returns the unsubscribe.
   */
  listen<K extends DeliveryKind>(listenerId: string, kind: K, listener: (...args: Deliveries[K]) => void): Unsubscribe;
  /** Gives the connection back; the pool closes it once unused long enough (or at once, see release). */
  release(): Promise<void>;
}

interface Entry {
  connection: Connection;
  senders: number;
  receivers: number;
  lastUsed: number;
  lastSendAt: number;
}

/** Like n8n's ConnectionPoolManager: five minutes unused, looked at every minute. */
const DEFAULT_IDLE_SECONDS = 300;
const MAX_SWEEP_MS = 60_000;

export class ConnectionPool {
  private host: GatewayHost | undefined;
  private readonly entries = new Map<string, Entry>();
  private sweeper: NodeJS.Timeout | undefined;
  private idleMs = DEFAULT_IDLE_SECONDS * 1000;

  /**
   * A connection for `role`, started (or its bind changed) if needed. Rejects with
   * SmsGateError when the credential cannot serve the role, the environment names a bad store
   * or the gateway cannot start; a link that is down is not an error here (see `link()`).
   */
  async acquire(connection: Connection, role: Role, options: AcquireOptions = {}): Promise<Lease> {
    checkRole(connection, role);
    const host = this.hostFor(options.log);
    // A send that waits for receipts holds the receiving side as a trigger does.
    const receives = role === 'receive' || (options.receipts === true && canReceive(connection));
    const id = connection.transportId;
    let entry = this.entries.get(id);
    if (entry === undefined) {
      entry = { connection, senders: 0, receivers: 0, lastUsed: Date.now(), lastSendAt: 0 };
      this.entries.set(id, entry);
      this.sweepLater();
    }
    // An edited credential (same account or device, other settings) takes over the link;
    // messages accepted meanwhile wait in the outbox for the same transport id.
    entry.connection = connection;
    if (role === 'send') {
      entry.senders++;
      entry.lastSendAt = Date.now();
    }
    if (receives) entry.receivers++;
    let gateway: Gateway;
    try {
      await host.use(info(connection), transportOf(entry));
      gateway = await host.current();
    } catch (err) {
      // The gateway did not start (its store, the environment): nothing stays open for it.
      if (role === 'send') entry.senders--;
      if (receives) entry.receivers--;
      if (entry.senders === 0 && entry.receivers === 0) await this.close(host, entry);
      throw err;
    }
    return this.lease(host, gateway, entry, role, receives);
  }

  /** The link of a connection this process holds open, if it does (the credential test asks). */
  linkOf(transportId: string): LinkStatus | undefined {
    return this.host?.connection(transportId)?.link;
  }

  private lease(host: GatewayHost, gateway: Gateway, entry: Entry, role: Role, receives: boolean): Lease {
    const id = entry.connection.transportId;
    let released = false;
    return {
      gateway,
      transportId: id,
      receives,
      link: () => host.connection(id)?.link,
      listen: (listenerId, kind, listener) => host.listen(listenerId, kind, listener),
      release: () => {
        if (released) return Promise.resolve();
        released = true;
        return this.giveBack(host, entry, role, receives);
      },
    };
  }

  /**
   * The last trigger leaving closes its receiving bind at once, as a trigger's closeFunction
   * should: the transport goes, or falls back to a transmitter bind while sends still use it.
   * A connection only sends used stays open for the idle time.
   */
  private async giveBack(host: GatewayHost, entry: Entry, role: Role, receives: boolean): Promise<void> {
    const now = Date.now();
    entry.lastUsed = now;
    if (role === 'send') entry.senders--;
    if (receives) entry.receivers--;
    if (entry.receivers > 0) return;
    const id = entry.connection.transportId;
    const open = host.connection(id) !== undefined;
    const sendsSoon = entry.senders > 0 || now - entry.lastSendAt < this.idleMs;
    if (role === 'receive' && !sendsSoon) return this.close(host, entry);
    if (sendsSoon && open) await host.use(info(entry.connection), transportOf(entry)).catch(() => undefined);
    else if (entry.senders === 0 && !open) this.entries.delete(id);
  }

  private async close(host: GatewayHost, entry: Entry): Promise<void> {
    this.entries.delete(entry.connection.transportId);
    if (this.entries.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
    // The host stops the gateway with its last connection.
    await host.drop(entry.connection.transportId);
  }

  /** The host of the store the environment names; a bad setting is an error naming its variable. */
  private hostFor(log: HostLog | undefined): GatewayHost {
    const idleSeconds = Number(process.env.SMSGATE_N8N_IDLE_SECONDS);
    this.idleMs = (Number.isFinite(idleSeconds) && idleSeconds > 0 ? idleSeconds : DEFAULT_IDLE_SECONDS) * 1000;
    this.host = sharedHost(hostConfig(hostSettingsFromEnv(process.env)), log ?? { warn: () => undefined, error: () => undefined });
    return this.host;
  }

  private sweepLater(): void {
    if (this.sweeper !== undefined) return;
    this.sweeper = setInterval(() => void this.sweep(), Math.min(MAX_SWEEP_MS, this.idleMs / 2));
    // An idle pool must not keep `n8n execute` (or a worker shutting down) alive.
    this.sweeper.unref();
  }

  private async sweep(): Promise<void> {
    const host = this.host;
    if (host === undefined) return;
    const now = Date.now();
    for (const entry of [...this.entries.values()]) {
      if (entry.senders === 0 && entry.receivers === 0 && now - entry.lastUsed >= this.idleMs) await this.close(host, entry);
    }
  }
}

/** What the host shows of a connection: its transport id, label and kind; never a secret. */
function info(connection: Connection) {
  return { id: connection.transportId, label: connection.label, kind: connection.kind };
}

/** The credential's transport, with the bind its users need now (see the top of this file). */
function transportOf(entry: Entry): TransportConfig {
  const { config } = entry.connection;
  const bind = wantedBind(entry.connection, entry.receivers > 0);
  return config.type === 'smpp' && bind !== undefined ? { ...config, bind } : config;
}

function checkRole(connection: Connection, role: Role): void {
  if (connection.config.type !== 'smpp') return;
  const bind = connection.config.bind;
  if (role === 'send' && bind === 'receiver') {
    throw new SmsGateError('CONFIG_INVALID', 'the SMPP credential binds as receiver only: it cannot send', { field: 'bind' });
  }
  if (role === 'receive' && bind === 'transmitter') {
    throw new SmsGateError('CONFIG_INVALID', 'the SMPP credential binds as transmitter only: it cannot receive', { field: 'bind' });
  }
}

/** Whether the credential's connection can receive: any but a transmitter-only SMPP bind. */
export function canReceive(connection: Connection): boolean {
  return connection.config.type !== 'smpp' || connection.config.bind !== 'transmitter';
}

/** The credential's bind while a trigger listens; its sending half (a transmitter) while only sends use it. */
function wantedBind(connection: Connection, receiving: boolean): SmppBind | undefined {
  if (connection.config.type !== 'smpp') return undefined;
  return receiving ? connection.config.bind : 'transmitter';
}

/**
 * One pool per process, kept on globalThis: n8n reloads a community package's modules when it
 * is updated, and a second pool would bind the same account a second time.
 */
const POOL_KEY = Symbol.for('@smsgate/n8n-nodes-smsgate/pool');

export function connectionPool(): ConnectionPool {
  const holder = globalThis as { [POOL_KEY]?: ConnectionPool };
  return (holder[POOL_KEY] ??= new ConnectionPool());
}
