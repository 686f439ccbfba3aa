export { GatewayHost } from './host';
export type { Connection, ConnectionInfo, Deliveries, DeliveryKind, HostLog, HostOptions, Unsubscribe } from './host';
export { sharedHost, storeKey } from './registry';
export { hasNodeSqlite, hostConfig, MEMORY_FALLBACK_NOTE } from './settings';
export type { HostConfig, HostSettings } from './settings';
