/** smsgate's core: everything here runs without Node-RED or n8n. */
export { Gateway, DEFAULT_SEND } from './gateway/gateway';
export type { GatewayEvents, GatewayOptions, ReportEvent, SendDefaults, SendRequest, StateChange } from './gateway/gateway';
export { createGateway } from './gateway/from-config';
export type { RetryPolicy } from './gateway/retry';
export { loadConfigFile, validateConfig } from './config';
export type { GatewayConfig, TransportConfig } from './config';
export * from './encoding';
export * from './numbers';
export * from './routing';
export { createStore, MemoryStore, SqliteStore } from './store';
export type { MessageRecord, ProviderLink, Store, StoredInbound, StoreConfig } from './store';
export { LoopbackTransport } from './transport/loopback';
export type { LoopbackOptions } from './transport/loopback';
export { RECEIPT_STATUS } from './transport/receipt-status';
export type * from './transport/types';
export { SmsGateError, isSmsGateError } from './errors';
export type { ErrorCode, ErrorInfo } from './errors';
export * from './types';
