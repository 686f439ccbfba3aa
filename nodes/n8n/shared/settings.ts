/**
 * n8n's settings for the core's gateway host, from the environment, as n8n itself is
 * configured. The store:
 *
 * - nothing set: SQLite in the n8n user folder (`$N8N_USER_FOLDER/.n8n/smsgate.db`), shared by
 *   the processes of one machine; memory on a Node without node:sqlite, said in the log.
 * - `SMSGATE_STORE=sqlite` (that file; no memory fallback) or `SMSGATE_STORE=memory`.
 * - `SMSGATE_STORE=redis`: the Redis n8n's queue mode uses (`QUEUE_BULL_REDIS_HOST` localhost,
 *   `_PORT` 6379, `_DB` 0, `_USERNAME`, `_PASSWORD`, `_TLS`, `_TLS_SERVERNAME`,
 *   `_TLS_VALIDATE_CERTIFICATE`, each also as `..._FILE` as n8n reads them), so the main
 *   process and its workers on other machines share one outbox.
 * - `SMSGATE_REDIS_URL=redis://[user:password@]host:port[/db]` (or `rediss://`): another Redis,
 *   with or without `SMSGATE_STORE=redis`.
 * - `SMSGATE_REDIS_PREFIX` (default `smsgate`): smsgate's keys, apart from n8n's `bull` ones.
 *
 * What the store keeps: SMSGATE_RETENTION_FINAL_DAYS (default 7), SMSGATE_RETENTION_REFUSED_HOURS
 * (24) and SMSGATE_RETENTION_INBOUND_DAYS (7).
 *
 * A bad value is refused naming its variable; a password is never part of an error.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { SmsGateError, type HostSettings, type RetentionPolicy } from '../../..';

export type StoreSetting =
  | { type: 'sqlite' }
  | { type: 'memory' }
  | { type: 'redis'; url: string; prefix: string; tls?: { servername?: string; rejectUnauthorized?: boolean } };

type Env = Record<string, string | undefined>;
type ReadFile = (path: string) => string;

const readText: ReadFile = (path) => readFileSync(path, 'utf8');

/** What the pool's host is made of; throws SmsGateError CONFIG_INVALID naming the variable at fault. */
export function hostSettingsFromEnv(env: Env, readFile: ReadFile = readText): HostSettings {
  const path = storePath(env);
  return {
    section: { store: storeFromEnv(env, readFile), retention: retentionFromEnv(env) },
    defaultPath: path,
    baseDir: dirname(path),
    origin: 'n8n environment',
  };
}

/** smsgate.db in n8n's user folder, as n8n itself finds that folder. */
export function storePath(env: Env = process.env): string {
  return join(env.N8N_USER_FOLDER || homedir(), '.n8n', 'smsgate.db');
}

/** Retention from SMSGATE_RETENTION_*; a bad value is refused, naming its variable. */
function retentionFromEnv(env: Env): Partial<RetentionPolicy> {
  const variables = {
    finalDays: 'SMSGATE_RETENTION_FINAL_DAYS',
    refusedHours: 'SMSGATE_RETENTION_REFUSED_HOURS',
    inboundDays: 'SMSGATE_RETENTION_INBOUND_DAYS',
  } as const;
  const retention: Partial<RetentionPolicy> = {};
  for (const [key, name] of Object.entries(variables) as [keyof RetentionPolicy, string][]) {
    const given = env[name];
    if (given === undefined || given.trim() === '') continue;
    const value = Number(given);
    if (!Number.isFinite(value) || value <= 0) throw invalid(name, `${name} must be a number above 0, got "${given}"`);
    retention[key] = value;
  }
  return retention;
}

const STORES = ['sqlite', 'memory', 'redis'];

/**
 * The store the environment asks for, undefined for the default (sqlite in the user folder,
 * or memory without node:sqlite). `readFile` reads n8n's `..._FILE` variables.
 */
export function storeFromEnv(env: Env, readFile: ReadFile = readText): StoreSetting | undefined {
  const read = reader(env, readFile);
  const chosen = read('SMSGATE_STORE')?.toLowerCase();
  const url = read('SMSGATE_REDIS_URL');
  if (chosen !== undefined && !STORES.includes(chosen)) {
    throw invalid('SMSGATE_STORE', `SMSGATE_STORE must be one of ${STORES.join(', ')}, got "${chosen}"`);
  }
  if (url !== undefined && chosen !== undefined && chosen !== 'redis') {
    throw invalid('SMSGATE_STORE', `SMSGATE_REDIS_URL is set but SMSGATE_STORE is "${chosen}": set SMSGATE_STORE=redis, or unset SMSGATE_REDIS_URL`);
  }
  if (chosen === 'sqlite' || chosen === 'memory') return { type: chosen };
  if (chosen === undefined && url === undefined) return undefined;
  const prefix = read('SMSGATE_REDIS_PREFIX') ?? 'smsgate';
  if (url !== undefined) return { type: 'redis', url, prefix };
  return { type: 'redis', ...queueRedis(read), prefix };
}

/** n8n's queue-mode Redis (QUEUE_BULL_REDIS_*) as a store URL, with n8n's defaults. */
function queueRedis(read: (name: string) => string | undefined): { url: string; tls?: { servername?: string; rejectUnauthorized?: boolean } } {
  if (read('QUEUE_BULL_REDIS_CLUSTER_NODES') !== undefined) {
    throw invalid(
      'QUEUE_BULL_REDIS_CLUSTER_NODES',
      "SMSGATE_STORE=redis: n8n's Redis is a cluster (QUEUE_BULL_REDIS_CLUSTER_NODES), and smsgate needs one Redis: set SMSGATE_REDIS_URL",
    );
  }
  const host = read('QUEUE_BULL_REDIS_HOST') ?? 'localhost';
  const port = integer(read, 'QUEUE_BULL_REDIS_PORT', 6379, 1, 65535);
  const db = integer(read, 'QUEUE_BULL_REDIS_DB', 0, 0, 65535);
  const username = read('QUEUE_BULL_REDIS_USERNAME');
  const password = read('QUEUE_BULL_REDIS_PASSWORD');
  const tls = boolean(read, 'QUEUE_BULL_REDIS_TLS', false);
  const user = username === undefined && password === undefined ? '' : `${encodeURIComponent(username ?? '')}${password === undefined ? '' : `:${encodeURIComponent(password)}`}@`;
  const url = `${tls ? 'rediss' : 'redis'}://${user}${host.includes(':') ? `[${host}]` : host}:${port}/${db}`;
  if (!tls) return { url };
  const servername = read('QUEUE_BULL_REDIS_TLS_SERVERNAME');
  const rejectUnauthorized = boolean(read, 'QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE', true);
  const options = { ...(servername === undefined ? {} : { servername }), ...(rejectUnauthorized ? {} : { rejectUnauthorized: false }) };
  return Object.keys(options).length === 0 ? { url } : { url, tls: options };
}

/** A variable as n8n reads it: the variable, else the file `NAME_FILE` names; quotes and blanks trimmed; empty is unset. */
function reader(env: Env, readFile: ReadFile): (name: string) => string | undefined {
  return (name) => {
    let value = env[name];
    if (value === undefined && env[`${name}_FILE`]) {
      try {
        value = readFile(env[`${name}_FILE`]!);
      } catch (err) {
        throw invalid(name, `${name}_FILE: cannot read ${env[`${name}_FILE`]} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    const trimmed = value?.trim().replace(/^(['"])(.*)\1$/, '$2');
    return trimmed === undefined || trimmed === '' ? undefined : trimmed;
  };
}

function integer(read: (name: string) => string | undefined, name: string, fallback: number, min: number, max: number): number {
  const given = read(name);
  if (given === undefined) return fallback;
  const value = Number(given);
  if (!Number.isInteger(value) || value < min || value > max) throw invalid(name, `${name} must be a whole number from ${min} to ${max}, got "${given}"`);
  return value;
}

function boolean(read: (name: string) => string | undefined, name: string, fallback: boolean): boolean {
  const given = read(name)?.toLowerCase();
  if (given === undefined) return fallback;
  if (given === 'true' || given === '1') return true;
  if (given === 'false' || given === '0') return false;
  throw invalid(name, `${name} must be true or false, got "${given}"`);
}

function invalid(field: string, message: string): SmsGateError {
  return new SmsGateError('CONFIG_INVALID', message, { field });
}
