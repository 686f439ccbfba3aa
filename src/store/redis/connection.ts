/**
 * The Redis store's connection: the URL read and checked, the client opened within a bound time
 * (each way a configuration can be wrong refused with an error naming the field at fault), and
 * every failure after that told apart: Redis unreachable (STORE_UNAVAILABLE, the client
 * reconnecting in the background) from Redis refusing a command (STORE_ERROR).
 *
 * Passwords never leave this module: URLs are shown redacted, and error texts from the client or
 * the server are scrubbed of the password before they are quoted.
 */
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import type { RedisClientType } from 'redis';
import { SmsGateError } from '../../errors';

export interface RedisTlsFiles {
  /** PEM files: a private CA, a client certificate and its key. */
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized?: boolean;
}

export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://...` (TLS). */
  url: string;
  /** TLS options; with `redis://` they turn TLS on too. */
  tls?: RedisTlsFiles;
  /** How long open() may take before it gives up. Default 10 s. */
  openTimeoutMs?: number;
}

/** The oldest Redis this store runs on: the one it is tested with (Debian's 7.0). */
export const MINIMUM_REDIS_VERSION = [7, 0, 0] as const;

/** What the URL says, checked. */
export interface RedisAddress {
  tls: boolean;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** The URL with its password replaced by `***`: for messages. */
  redacted: string;
}

/** Reads a store URL, or throws CONFIG_INVALID naming store.url (with the password hidden). */
export function parseRedisUrl(url: string): RedisAddress {
  const bad = (why: string) =>
    new SmsGateError('CONFIG_INVALID', `store.url: ${why}, got ${redactUrl(url)} (expected redis://[user:password@]host:port[/db] or rediss://...)`, {
      field: 'store.url',
    });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('not a URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw bad(`the scheme must be redis: or rediss:, not ${parsed.protocol}`);
  if (parsed.hostname === '') throw bad('no host');
  if (parsed.search !== '' || parsed.hash !== '') throw bad('query and fragment are not read');
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  const path = parsed.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,5}$/.test(path)) throw bad('the path must be a database number');
  const address: RedisAddress = {
    tls: parsed.protocol === 'rediss:',
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db: path === '' ? 0 : Number(path),
    redacted: redactUrl(url),
  };
  if (parsed.username !== '') address.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') address.password = decodeURIComponent(parsed.password);
  return address;
}

/** The URL with any password replaced by `***`; something that is no URL is not shown at all. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return JSON.stringify(parsed.toString());
  } catch {
    // The password might be anywhere in a string that does not parse.
    return `a string of ${url.length} characters that is not a URL`;
  }
}

/** Removes the password (as written and URL-decoded) from a text before it is shown. */
export function scrub(text: string, password: string | undefined): string {
  if (password === undefined || password === '') return text;
  return text.split(password).join('***');
}

export type Client = RedisClientType;

/** The redis package, loaded only when a Redis store is opened (others never pay for it). */
function loadRedis(): typeof import('redis') {
  return require('redis') as typeof import('redis');
}

/**
 * Connects, authenticates, selects the database and checks the server's version, within
 * `openTimeoutMs`. Every failure is an SmsGateError naming the field at fault: store.url (host,
 * port, password, database, version, a TLS handshake with a plain port) or store.tls.* (a file).
 * Once open, a lost connection is retried in the background, and calls fail at once meanwhile.
 */
export async function connect(options: RedisConnectionOptions, onError: (err: SmsGateError) => void): Promise<Client> {
  const address = parseRedisUrl(options.url);
  const tls = options.tls === undefined && !address.tls ? undefined : await tlsOptions(options.tls ?? {}, address.host);
  const timeoutMs = options.openTimeoutMs ?? 10_000;
  let opening = true;
  const { createClient } = loadRedis();
  const client = createClient({
    socket: {
      host: address.host,
      port: address.port,
      connectTimeout: Math.min(timeoutMs, 5_000),
      // While opening, one try: a wrong address is the caller's to fix, not ours to retry. Then
      // retry for ever, backing off to a second between tries.
      reconnectStrategy: (retries: number, cause: Error) => (opening ? cause : Math.min(50 * 2 ** Math.min(retries, 5), 1000)),
      ...(tls === undefined ? {} : { tls: true as const, ...tls }),
    },
    ...(address.username === undefined ? {} : { username: address.username }),
    ...(address.password === undefined ? {} : { password: address.password }),
    database: address.db,
    // Calls made while Redis is unreachable fail at once instead of piling up in memory.
    disableOfflineQueue: true,
    // Finds a connection that died silently (a cable pulled, a NAT that forgot it).
    pingInterval: 10_000,
  }) as unknown as Client;
  client.on('error', (err: Error) => {
    if (!opening) onError(new SmsGateError('STORE_UNAVAILABLE', `Redis at ${address.redacted}: ${scrub(err.message, address.password)}`));
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  // What loses the race to the timer still settles later: its failure is not an unhandled one.
  const settled = <T>(promise: Promise<T>) => {
    promise.catch(() => undefined);
    return Promise.race([promise, timedOut]);
  };
  try {
    await settled(client.connect());
    const info = await settled(client.sendCommand(['INFO', 'server']) as Promise<string>);
    checkVersion(String(info), address);
    opening = false;
    return client;
  } catch (err) {
    client.destroy();
    if (err instanceof SmsGateError) throw err;
    throw openError(err as Error, address, tls !== undefined);
  } finally {
    clearTimeout(timer);
  }
}

/** The TLS options, with the files read: a file that cannot be read names its field. */
async function tlsOptions(files: RedisTlsFiles, host: string): Promise<ConnectionOptions> {
  const options: ConnectionOptions = { rejectUnauthorized: files.rejectUnauthorized ?? true };
  for (const key of ['ca', 'cert', 'key'] as const) {
    const path = files[key];
    if (path === undefined) continue;
    try {
      options[key] = await readFile(path);
    } catch (cause) {
      throw new SmsGateError('CONFIG_INVALID', `store.tls.${key}: cannot read ${path}: ${(cause as Error).message}`, {
        field: `store.tls.${key}`,
        cause,
      });
    }
  }
  // SNI takes names, not addresses.
  const servername = files.servername ?? (/^[\d.]+$|:/.test(host) ? undefined : host);
  if (servername !== undefined) options.servername = servername;
  return options;
}

function checkVersion(info: string, address: RedisAddress): void {
  const found = /^redis_version:([\d.]+)/m.exec(info)?.[1];
  const version = (found ?? '0').split('.').map(Number);
  const minimum = MINIMUM_REDIS_VERSION;
  const differs = minimum.findIndex((part, i) => (version[i] ?? 0) !== part);
  if (differs >= 0 && (version[differs] ?? 0) < minimum[differs]!) throw tooOld(found ?? 'unknown', address);
}

function tooOld(version: string, address: RedisAddress): SmsGateError {
  return new SmsGateError(
    'STORE_ERROR',
    `store.url: the Redis at ${address.redacted} is version ${version}; the store needs ${MINIMUM_REDIS_VERSION.join('.')} or later`,
    { field: 'store.url' },
  );
}

/**
 * Why open() failed, in words a user can act on, naming the field to fix: CONFIG_INVALID when
 * the configuration must change (password, database, TLS), STORE_UNAVAILABLE when Redis may
 * just not be there yet (refused, no answer, a name that does not resolve).
 */
function openError(err: Error, address: RedisAddress, tls: boolean): SmsGateError {
  const said = scrub(err.message, address.password);
  const at = `Redis at ${address.redacted}`;
  const code = (err as NodeJS.ErrnoException).code ?? /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN)\b/.exec(said)?.[1];
  const invalid = (why: string, field = 'store.url') =>
    new SmsGateError('CONFIG_INVALID', `${field}: cannot open the ${at}: ${why}`, { field });
  const unavailable = (why: string) => new SmsGateError('STORE_UNAVAILABLE', `store.url: cannot open the ${at}: ${why}`, { field: 'store.url' });
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(said)) return invalid(`the user name or password was refused (${said})`);
  if (/DB index/i.test(said)) return invalid(`the database number is out of range (${said})`);
  // HELLO came with Redis 6: an older server does not know it.
  if (/unknown command .HELLO/i.test(said)) return tooOld('older than 6.0', address);
  if (tls && /certificate|self.signed|unable to verify|CERT_|altnames/i.test(said)) {
    return invalid(`its TLS certificate is not trusted (${said}); give the CA that signed it in store.tls.ca`, 'store.tls.ca');
  }
  if (tls && /timeout|no answer|wrong version|EPROTO|SSL|TLS|socket hang up|closed/i.test(said)) {
    return invalid(`no TLS handshake (${said}): is that port plain Redis? For it, use redis:// and no store.tls`);
  }
  if (code === 'ECONNREFUSED') return unavailable('nothing listens on that port (connection refused)');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return unavailable('the host name does not resolve');
  return unavailable(said);
}

/**
 * A failure of a call on an open store: STORE_UNAVAILABLE when Redis could not be reached (the
 * client reconnects meanwhile), STORE_ERROR when Redis answered with an error.
 */
export function callError(err: unknown, address: RedisAddress): SmsGateError {
  if (err instanceof SmsGateError) return err;
  const error = err as Error;
  const said = scrub(error.message ?? String(err), address.password);
  const redis = loadRedis();
  if (error instanceof redis.ErrorReply) {
    return new SmsGateError('STORE_ERROR', `Redis at ${address.redacted} refused a command: ${said}`, { field: 'store' });
  }
  if (error instanceof redis.TimeoutError || error instanceof redis.TimeoutReadError) {
    return new SmsGateError('STORE_UNAVAILABLE', `Redis at ${address.redacted} did not answer in time (${said}): it may hang`, { field: 'store' });
  }
  return new SmsGateError('STORE_UNAVAILABLE', `Redis at ${address.redacted} is unreachable: ${said}`, { field: 'store' });
}
