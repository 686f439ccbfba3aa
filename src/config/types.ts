/**
 * The gateway configuration as the rest of smsgate sees it: validated, every default filled in,
 * relative paths resolved. The file format itself is fixed in the shared contract.
 */
import type { EncodingChoice } from '../encoding';
import type { RouteConfig, RouteStrategy } from '../routing/router';
import type { ResolvedGuardConfig } from '../routing/guard';
import type { FinalReceiptStatus } from '../transport/receipt-status';

export interface GatewayConfig {
  store: StoreConfig;
  defaults: DefaultsConfig;
  transports: TransportConfig[];
  /** At least one; without `routes` in the file, one failover route over all transports in file order. */
  routes: ResolvedRouteConfig[];
  guard: ResolvedGuardConfig;
  /** How long the store keeps what is done: defaults 7 days, 24 hours, 7 days. */
  retention: RetentionConfig;
}

export interface RetentionConfig {
  /** Final messages (and their provider links), in days; fractions allowed. */
  finalDays: number;
  /** Messages refused at acceptance (guard, no route), in hours. */
  refusedHours: number;
  /** Inbound messages, in days. */
  inboundDays: number;
}

export type StoreConfig = SqliteStoreConfig | MemoryStoreConfig | RedisStoreConfig;

export interface SqliteStoreConfig {
  type: 'sqlite';
  /** Absolute: a relative path in the file is taken from the config file's directory. */
  path: string;
}

export interface MemoryStoreConfig {
  type: 'memory';
}

/** Several processes on several machines share one Redis (or Valkey). */
export interface RedisStoreConfig {
  type: 'redis';
  /** `redis://[user:password@]host:port[/db]` or `rediss://...` (TLS). Holds a secret: never shown whole. */
  url: string;
  /** What every key begins with; default `smsgate`. */
  prefix: string;
  /** TLS toward Redis (also with redis://): files made absolute like SMPP's. */
  tls?: RedisTlsConfig;
}

export interface RedisTlsConfig {
  /** PEM files, absolute (relative ones in the file are taken from its directory). */
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

export interface DefaultsConfig {
  from?: string;
  /** ISO region for numbers written without a country code. */
  region?: string;
  deliveryReport: boolean;
  validitySeconds: number;
  maxSegments: number;
  /** Replace typographic characters with GSM look-alikes so texts stay GSM 7-bit. */
  smart: boolean;
  encoding: EncodingChoice;
}

export type TransportConfig = SmppTransportConfig | ModemTransportConfig | LoopbackTransportConfig;
export type TransportType = TransportConfig['type'];

export type SmppBindMode = 'transmitter' | 'receiver' | 'transceiver' | 'transmitter+receiver';

export interface SmppTransportConfig {
  id: string;
  type: 'smpp';
  host: string;
  port: number;
  systemId: string;
  /** '' when the SMSC wants none. */
  password: string;
  /** '' when the SMSC wants none. */
  systemType: string;
  bind: SmppBindMode;
  /** Submits in flight without a response yet. */
  window: number;
  /** 0 means unlimited. */
  maxPerSecond: number;
  /** true: TLS with the system's CAs; an object: with these files. */
  tls: boolean | SmppTlsConfig;
  addressRange: string;
  serviceType: string;
  /** How messages longer than one segment travel: UDH (default), SAR TLVs or message_payload. */
  longMessages: 'udh' | 'sar' | 'payload';
  /** `latin1` sends texts Latin-1 can carry with data_coding 3, for SMSCs that want it. */
  dataCoding: 'default' | 'latin1';
  /** Nothing received for this long: enquire_link goes out; unanswered, the link is reset. */
  enquireLinkSeconds: number;
  /** How long any request waits for its response. */
  responseTimeoutSeconds: number;
  /** Requests unanswered in a row that reset the link. */
  maxResponseTimeouts: number;
  /** The wait before binding again after a bind refused for good (wrong password, system id, ...). */
  credentialRetrySeconds: number;
}

export interface SmppTlsConfig {
  /** PEM files, absolute (relative ones in the file are taken from its directory). */
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

export interface ModemTransportConfig {
  id: string;
  type: 'modem';
  /** Serial device, e.g. `/dev/ttyUSB0`. */
  path: string;
  baudRate: number;
  /** SIM PIN, when the SIM asks for one. */
  pin?: string;
  /** `auto`: PDU mode, text mode when the modem has no PDU mode. */
  mode: 'auto' | 'pdu' | 'text';
  /** SMSC number (international, `+...`) for SIMs that have none stored. */
  smsc?: string;
}

export type LoopbackDlrStatus = FinalReceiptStatus;

/** A built-in transport that sends nowhere: for tests, demos and dry runs. */
export interface LoopbackTransportConfig {
  id: string;
  type: 'loopback';
  /** Delay before the delivery report. */
  dlrDelayMs: number;
  /** The final status every delivery report carries. */
  dlrStatus: LoopbackDlrStatus;
  /** Delay before a submit is acknowledged. */
  submitDelayMs: number;
  /** Absolute path of a JSONL file that receives every submitted message. */
  log?: string;
  /** Every submit fails with an error of this kind; absent, every submit succeeds. */
  failWith?: 'temporary' | 'permanent';
}

export type ResolvedRouteConfig = RouteConfig & { strategy: RouteStrategy };
