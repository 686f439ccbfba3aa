import { MemoryStore } from './memory';
import { RedisStore, type RedisStoreOptions } from './redis';
import { SqliteStore } from './sqlite';
import type { Store } from './types';

export type StoreConfig = { type: 'sqlite'; path: string } | { type: 'memory' } | ({ type: 'redis' } & RedisStoreOptions);

/** The store a config names, not open yet (open() connects; a Redis URL is checked here already). */
export function createStore(config: StoreConfig): Store {
  switch (config.type) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite':
      return new SqliteStore(config.path);
    case 'redis':
      return new RedisStore(config);
  }
}

export { MemoryStore, RedisStore, SqliteStore };
export type { RedisStoreOptions };
export type {
  FeedEvent,
  FeedKind,
  FeedPayload,
  MessageRecord,
  ProviderLink,
  PurgeResult,
  QuotaCap,
  QuotaResult,
  ReportCondition,
  RetentionPolicy,
  Store,
  StoredInbound,
  Transition,
} from './types';
export { DEFAULT_RETENTION, FEED_KINDS } from './types';
