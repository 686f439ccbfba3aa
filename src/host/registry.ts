/**
 * One gateway host per store per process: a second config node, a second credential, or a
 * second copy of the package's modules (n8n reloads a community package when it is updated)
 * gets the same host, and so the same gateway, rather than binding the same account twice or
 * opening the same store twice.
 */
import { createHash } from 'node:crypto';
import type { StoreConfig } from '../store';
import { GatewayHost, type HostLog } from './host';
import type { HostConfig } from './settings';

/** Kept on globalThis under a registered symbol, which every copy of these modules shares. */
const HOSTS = Symbol.for('@smsgate/n8n-nodes-smsgate/gateway-hosts');

/**
 * The process's host for `config.store`, made on first use with `config` (later callers with the
 * same store share it, and its defaults, guard and retention). Its log becomes `log`: the
 * latest caller's logger.
 */
export function sharedHost(config: HostConfig, log: HostLog): GatewayHost {
  const holder = globalThis as { [HOSTS]?: Map<string, GatewayHost> };
  const hosts = (holder[HOSTS] ??= new Map());
  const key = storeKey(config.store);
  let host = hosts.get(key);
  if (host === undefined) {
    host = new GatewayHost({ configure: () => config, log });
    hosts.set(key, host);
  }
  host.useLog(log);
  return host;
}

/**
 * Which store a config names: its type and place (a path, a URL with its prefix, ...). A
 * digest, since a Redis URL may carry a password.
 */
export function storeKey(store: StoreConfig): string {
  return createHash('sha256').update(JSON.stringify(store)).digest('hex');
}
