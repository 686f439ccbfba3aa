/**
 * What a platform's settings make of a gateway host: the store, chosen and checked here for
 * Node-RED's settings.js and n8n's environment alike, and the gateway's defaults, guard and
 * retention. The settings are in the config file's shape (without transports or routes) and
 * go through the config file's own validator, so every platform refuses the same things with
 * the same words; a store type the validator knows (sqlite, memory, redis once it lands) is
 * passed on to createStore as it is.
 */
import { validateConfig } from '../config';
import { SmsGateError } from '../errors';
import type { SendDefaults } from '../gateway/gateway';
import type { GuardConfig } from '../routing';
import type { StoreConfig } from '../store';
import type { RetentionPolicy } from '../store/types';

/** What the log and every status say while the outbox is in memory for want of node:sqlite. */
export const MEMORY_FALLBACK_NOTE = 'outbox in memory: this Node has no node:sqlite (needs 22.13); queued messages are lost on restart';

export interface HostConfig {
  store: StoreConfig;
  /** Said in the log (once) and in every status while it holds: the store fell back to memory. */
  note?: string;
  defaults?: Partial<SendDefaults>;
  guard?: GuardConfig;
  retention?: Partial<RetentionPolicy>;
}

export interface HostSettings {
  /** store, defaults, guard, retention, as in a config file; anything absent takes its default. */
  section: Record<string, unknown>;
  /**
   * Where the outbox lives when the section names no store: a sqlite file here, or memory on
   * a Node without node:sqlite (with MEMORY_FALLBACK_NOTE). Undefined: memory, said plainly.
   */
  defaultPath?: string;
  /** Directory a relative store.path starts from. */
  baseDir?: string;
  /** Where the settings came from, first in every error: "settings.js smsgate". */
  origin: string;
}

/**
 * The host's config from a platform's settings. Throws SmsGateError CONFIG_INVALID naming the
 * origin and the field. A store the settings name is used or refused, never replaced: only
 * the default falls back to memory.
 */
export function hostConfig({ section, defaultPath, baseDir, origin }: HostSettings): HostConfig {
  const given = Object.fromEntries(Object.entries(section).filter(([, value]) => value !== undefined));
  const fallback = defaultPath !== undefined && given.store === undefined && !hasNodeSqlite();
  const defaultStore = defaultPath === undefined || fallback ? { type: 'memory' } : { type: 'sqlite', path: defaultPath };
  try {
    // The config format requires a transport; the platform brings its own, so a placeholder stands in.
    const config = validateConfig(
      { store: defaultStore, ...given, transports: [{ id: 'settings', type: 'loopback' }] },
      baseDir === undefined ? {} : { baseDir },
    );
    return {
      store: config.store,
      ...(fallback ? { note: MEMORY_FALLBACK_NOTE } : {}),
      defaults: config.defaults,
      guard: config.guard,
      retention: config.retention,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new SmsGateError('CONFIG_INVALID', `${origin}: ${message}`, { cause: err });
  }
}

/** node:sqlite is built into Node from 22.13 (behind a flag from 22.5, which counts as absent). */
export function hasNodeSqlite(): boolean {
  try {
    require('node:sqlite');
    return true;
  } catch {
    return false;
  }
}
