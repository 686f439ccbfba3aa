export { loadConfigFile } from './load';
export { validateConfig } from './validate';
export type { ValidateOptions } from './validate';
export type {
  DefaultsConfig,
  GatewayConfig,
  LoopbackDlrStatus,
  LoopbackTransportConfig,
  MemoryStoreConfig,
  ModemTransportConfig,
  ResolvedRouteConfig,
  SmppBindMode,
  SmppTlsConfig,
  SmppTransportConfig,
  SqliteStoreConfig,
  StoreConfig,
  TransportConfig,
  TransportType,
} from './types';
