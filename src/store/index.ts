import { MemoryStore } from './memory';
import { SqliteStore } from './sqlite';
import type { Store } from './types';

export type StoreConfig = { type: 'sqlite'; path: string } | { type: 'memory' };

export function createStore(config: StoreConfig): Store {
  return config.type === 'memory' ? new MemoryStore() : new SqliteStore(config.path);
}

export { MemoryStore, SqliteStore };
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
