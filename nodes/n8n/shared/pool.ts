/**
 * The connections of this n8n process, pooled per credential as n8n's own connection pool
 * manager pools database clients: executions reuse a bind (or an open modem) instead of binding
 * per item or per run, and a connection nobody used for a while is closed.
 *
 * One Gateway serves them all, on one SQLite store in the n8n user folder
 * (`$N8N_USER_FOLDER/.n8n/smsgate.db`, `~/.n8n/smsgate.db` by default). Every n8n process of an
 * instance (the main process, queue-mode workers, `n8n execute`) opens the same file, so a
 * delivery report received by the trigger in one process finds the message, its id and its
 * correlation value, that the SMS Gateway node accepted in another.
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
 *
 * What the store keeps is bounded by environment variables, as n8n itself is configured:
 * SMSGATE_RETENTION_FINAL_DAYS (default 7), SMSGATE_RETENTION_REFUSED_HOURS (24) and
 * SMSGATE_RETENTION_INBOUND_DAYS (7).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  createStore,
  createTransport,
  Gateway,
  SmsGateError,
  type LinkStatus,
  type RetentionPolicy,
  type SmppBind,
  type StoreConfig,
} from '../../..';
import type { Connection } from './connection';

export type Role = 'send' | 'receive';

export interface AcquireOptions {
  warn?: (message: string) => void;
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
  /** Gives the connection back; the pool closes it once unused long enough (or at once, see release). */
  release(): Promise<void>;
}

interface Entry {
  connection: Connection;
  senders: number;
  receivers: number;
  /** What the running transport was made from; undefined while none runs. */
  running: { key: string; bind: SmppBind | undefined } | undefined;
  lastUsed: number;
  lastSendAt: number;
}

/** Like n8n's ConnectionPoolManager: five minutes unused, looked at every minute. */
const DEFAULT_IDLE_SECONDS = 300;
const MAX_SWEEP_MS = 60_000;

export class ConnectionPool {
  private gateway: Promise<Gateway> | undefined;
  private readonly entries = new Map<string, Entry>();
  private readonly links = new Map<string, LinkStatus>();
  /** Pool changes run one after the other: a swap of binds must not interleave with a close. */
  private chain: Promise<unknown> = Promise.resolve();
  private sweeper: NodeJS.Timeout | undefined;
  private idleMs = DEFAULT_IDLE_SECONDS * 1000;
  private warn: (message: string) => void = () => undefined;

  /**
   * A connection for `role`, started (or its bind changed) if needed. Rejects with
   * SmsGateError when the credential cannot serve the role or the gateway cannot start; a link
   * that is down is not an error here (the caller looks at `link()`).
   */
  acquire(connection: Connection, role: Role, options: AcquireOptions = {}): Promise<Lease> {
    checkRole(connection, role);
    if (options.warn !== undefined) this.warn = options.warn;
    // A send that waits for receipts holds the receiving side as a trigger does.
    const receives = role === 'receive' || (options.receipts === true && canReceive(connection));
    return this.enqueue(async () => {
      const gateway = await (this.gateway ??= this.startGateway());
      const id = connection.transportId;
      let entry = this.entries.get(id);
      if (entry === undefined) {
        entry = { connection, senders: 0, receivers: 0, running: undefined, lastUsed: Date.now(), lastSendAt: 0 };
        this.entries.set(id, entry);
      }
      // An edited credential (same account or device, other settings) takes over the link;
      // messages accepted meanwhile wait in the outbox for the same transport id.
      entry.connection = connection;
      if (role === 'send') {
        entry.senders++;
        entry.lastSendAt = Date.now();
      }
      if (receives) entry.receivers++;
      try {
        await this.reconcile(gateway, entry);
      } catch (err) {
        await this.giveBack(entry, role, receives);
        throw err;
      }
      return this.lease(gateway, entry, role, receives);
    });
  }

  /** The link of a connection this process holds open, if it does (the credential test asks). */
  linkOf(transportId: string): LinkStatus | undefined {
    return this.entries.get(transportId)?.running === undefined ? undefined : this.links.get(transportId);
  }

  private lease(gateway: Gateway, entry: Entry, role: Role, receives: boolean): Lease {
    const id = entry.connection.transportId;
    let released = false;
    return {
      gateway,
      transportId: id,
      receives,
      link: () => this.links.get(id),
      release: () => {
        if (released) return Promise.resolve();
        released = true;
        return this.enqueue(() => this.giveBack(entry, role, receives));
      },
    };
  }

  /**
   * The last trigger leaving closes its receiving bind at once, as a trigger's closeFunction
   * should: the transport goes, or falls back to a transmitter bind while sends still use it.
   * A connection only sends used stays open for the idle time.
   */
  private async giveBack(entry: Entry, role: Role, receives: boolean): Promise<void> {
    const now = Date.now();
    entry.lastUsed = now;
    if (role === 'send') entry.senders--;
    if (receives) entry.receivers--;
    const gateway = await this.gateway;
    if (gateway === undefined || entry.receivers > 0) return;
    const sendsSoon = entry.senders > 0 || now - entry.lastSendAt < this.idleMs;
    if (role === 'receive' && !sendsSoon) return this.close(gateway, entry);
    if (sendsSoon && entry.running !== undefined) await this.reconcile(gateway, entry);
    else if (entry.senders === 0 && entry.running === undefined) this.entries.delete(entry.connection.transportId);
  }

  /** Starts the entry's transport, or replaces it when its settings or bind must change. */
  private async reconcile(gateway: Gateway, entry: Entry): Promise<void> {
    const { connection } = entry;
    const bind = wantedBind(connection, entry.receivers > 0);
    if (entry.running !== undefined && entry.running.key === connection.key && entry.running.bind === bind) return;
    if (entry.running !== undefined) {
      entry.running = undefined;
      await gateway.removeTransport(connection.transportId);
    }
    const config = connection.config.type === 'smpp' && bind !== undefined ? { ...connection.config, bind } : connection.config;
    this.links.set(connection.transportId, { state: 'connecting' });
    await gateway.addTransport(createTransport(config, 0));
    entry.running = { key: connection.key, bind };
  }

  private async close(gateway: Gateway, entry: Entry): Promise<void> {
    const id = entry.connection.transportId;
    this.entries.delete(id);
    if (entry.running !== undefined) await gateway.removeTransport(id);
    this.links.delete(id);
    if (this.entries.size === 0) await this.stopGateway(gateway);
  }

  private async startGateway(): Promise<Gateway> {
    const idleSeconds = Number(process.env.SMSGATE_N8N_IDLE_SECONDS);
    this.idleMs = (Number.isFinite(idleSeconds) && idleSeconds > 0 ? idleSeconds : DEFAULT_IDLE_SECONDS) * 1000;
    const gateway = new Gateway({
      store: createStore(storeConfig(this.warn)),
      transports: [],
      // Every send names its connection: there is no route table to consult.
      routes: [],
      retention: retentionFromEnv(),
    });
    gateway.on('transport-status', ({ transportId, status }) => this.links.set(transportId, status));
    gateway.on('warning', (err) => this.warn(`smsgate: ${err.message}`));
    try {
      await gateway.start();
    } catch (err) {
      this.gateway = undefined;
      throw err;
    }
    this.sweeper = setInterval(() => void this.enqueue(() => this.sweep()), Math.min(MAX_SWEEP_MS, this.idleMs / 2));
    // An idle pool must not keep `n8n execute` (or a worker shutting down) alive.
    this.sweeper.unref();
    return gateway;
  }

  private async sweep(): Promise<void> {
    const gateway = await this.gateway;
    if (gateway === undefined) return;
    const now = Date.now();
    for (const entry of [...this.entries.values()]) {
      if (entry.senders === 0 && entry.receivers === 0 && now - entry.lastUsed >= this.idleMs) await this.close(gateway, entry);
    }
  }

  private async stopGateway(gateway: Gateway): Promise<void> {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.gateway = undefined;
    this.links.clear();
    await gateway.stop();
  }

  private enqueue<T>(step: () => Promise<T>): Promise<T> {
    const next = this.chain.then(step);
    this.chain = next.catch(() => undefined);
    return next;
  }
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

/** Retention from SMSGATE_RETENTION_* (see the top of this file); a bad value is refused, naming its variable. */
function retentionFromEnv(): Partial<RetentionPolicy> {
  const variables = {
    finalDays: 'SMSGATE_RETENTION_FINAL_DAYS',
    refusedHours: 'SMSGATE_RETENTION_REFUSED_HOURS',
    inboundDays: 'SMSGATE_RETENTION_INBOUND_DAYS',
  } as const;
  const retention: Partial<RetentionPolicy> = {};
  for (const [key, name] of Object.entries(variables) as [keyof RetentionPolicy, string][]) {
    const given = process.env[name];
    if (given === undefined || given.trim() === '') continue;
    const value = Number(given);
    if (!Number.isFinite(value) || value <= 0) {
      throw new SmsGateError('CONFIG_INVALID', `${name} must be a number above 0, got "${given}"`, { field: name });
    }
    retention[key] = value;
  }
  return retention;
}

/** n8n's user folder, as n8n itself computes it. */
export function storePath(): string {
  return join(process.env.N8N_USER_FOLDER || homedir(), '.n8n', 'smsgate.db');
}

/** SQLite where node:sqlite exists (Node >= 22.13, which n8n 2 requires); memory on older Nodes, with a warning. */
function storeConfig(warn: (message: string) => void): StoreConfig {
  try {
    require('node:sqlite');
  } catch {
    warn(`smsgate: node:sqlite is missing on Node.js ${process.versions.node}: the outbox is in memory, and reports cannot be matched across processes`);
    return { type: 'memory' };
  }
  return { type: 'sqlite', path: storePath() };
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
