/**
 * Turns the parsed config file into a GatewayConfig, or throws CONFIG_INVALID listing every
 * problem with its path. Each reader below is the schema of one part of the file: the fields it
 * asks for are the fields that part may have, with their checks and defaults.
 */
import { resolve } from 'node:path';
import { NATIONAL_LANGUAGES } from '../encoding';
import { SmsGateError } from '../errors';
import { DEFAULT_SEND } from '../gateway/gateway';
import { DEFAULT_RETENTION } from '../store/types';
import { parseRedisUrl } from '../store/redis/connection';
import { resolveGuardConfig, type GuardConfig } from '../routing/guard';
import type { RouteMatch, RouteStrategy } from '../routing/router';
import { FINAL_RECEIPT_STATUSES } from '../transport/receipt-status';
import type { NumberType } from '../types';
import {
  boolean,
  booleanOr,
  falseOr,
  integer,
  listOf,
  number,
  objectOf,
  oneOf,
  regionCode,
  text,
  type Check,
  type Fields,
  type Problem,
} from './checks';
import type {
  DefaultsConfig,
  GatewayConfig,
  LoopbackTransportConfig,
  ModemTransportConfig,
  ResolvedRouteConfig,
  RetentionConfig,
  SmppTlsConfig,
  SmppTransportConfig,
  StoreConfig,
  TransportConfig,
} from './types';

export interface ValidateOptions {
  /** Directory that relative paths (store.path, a loopback log) start from; default the working directory. */
  baseDir?: string;
}

export function validateConfig(raw: unknown, opts: ValidateOptions = {}): GatewayConfig {
  const baseDir = opts.baseDir ?? process.cwd();
  const problems: Problem[] = [];
  const config = objectOf((f) => readConfig(f, baseDir))(raw, '', problems);
  if (problems.length > 0 || config === undefined) throw invalid(problems);
  return config;
}

function invalid(problems: Problem[]): SmsGateError {
  const lines = problems.map(({ path, message }) => `${path === '' ? 'config' : path}: ${message}`);
  const message = lines.length === 1 ? lines[0]! : `${lines.length} problems in the config:\n  ${lines.join('\n  ')}`;
  const field = problems[0]!.path;
  return new SmsGateError('CONFIG_INVALID', message, field === '' ? {} : { field });
}

function readConfig(f: Fields, baseDir: string): GatewayConfig {
  const store = f.section('store', (s) => readStore(s, baseDir));
  const defaults = f.section('defaults', readDefaults);
  const ids = new Map<string, string>(); // id -> path of the transport that has it
  const transports = f.required('transports', listOf(objectOf((t) => readTransport(t, ids, baseDir))));
  const routes = f.optional('routes', listOf(objectOf((r) => readRoute(r, [...ids.keys()])))) ?? [
    { transports: [...ids.keys()], strategy: 'failover' },
  ];
  const guard = resolveGuardConfig(f.section('guard', readGuard));
  const retention = f.section('retention', readRetention);
  return { store, defaults, transports, routes, guard, retention };
}

/** A file path, made absolute from `baseDir` (the config file's directory). */
function filePath(baseDir: string): Check<string> {
  return (value, path, problems) => {
    const given = text()(value, path, problems);
    return given === undefined ? undefined : resolve(baseDir, given);
  };
}

// --- store -------------------------------------------------------------------------------

function readStore(f: Fields, baseDir: string): StoreConfig | undefined {
  switch (f.discriminator('type', ['sqlite', 'memory', 'redis'], 'sqlite')) {
    case 'sqlite':
      return { type: 'sqlite', path: f.defaulted('path', filePath(baseDir), resolve(baseDir, 'smsgate.db')) };
    case 'memory':
      return { type: 'memory' };
    case 'redis': {
      const tls = f.optional('tls', objectOf((t) => readTls(t, baseDir)));
      return {
        type: 'redis',
        url: f.required('url', redisUrl),
        prefix: f.defaulted('prefix', text({ maxLength: 64, pattern: { regex: /^[A-Za-z0-9_.:-]+$/, expected: 'letters, digits or _.:-' } }), 'smsgate'),
        ...(tls === undefined ? {} : { tls }),
      };
    }
    case undefined:
      return undefined;
  }
}

/** A redis:// or rediss:// URL; the problem shows it with its password hidden. */
const redisUrl: Check<string> = (value, path, problems) => {
  const given = text({ secret: true })(value, path, problems);
  if (given === undefined) return undefined;
  try {
    parseRedisUrl(given);
    return given;
  } catch (err) {
    problems.push({ path, message: (err as Error).message.replace(/^store\.url: /, '') });
    return undefined;
  }
};

// --- retention ---------------------------------------------------------------------------

/** Above zero: zero would delete a message the moment it is done, before anyone saw its final state. */
const positive: Check<number> = (value, path, problems) => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    problems.push({ path, message: `expected a number above 0, got ${JSON.stringify(value)}` });
    return undefined;
  }
  return value;
};

function readRetention(f: Fields): RetentionConfig {
  return {
    finalDays: f.defaulted('finalDays', positive, DEFAULT_RETENTION.finalDays),
    refusedHours: f.defaulted('refusedHours', positive, DEFAULT_RETENTION.refusedHours),
    inboundDays: f.defaulted('inboundDays', positive, DEFAULT_RETENTION.inboundDays),
  };
}

// --- defaults ----------------------------------------------------------------------------

function readDefaults(f: Fields): DefaultsConfig {
  return {
    from: f.optional('from', text()),
    region: f.optional('region', regionCode),
    deliveryReport: f.defaulted('deliveryReport', boolean, DEFAULT_SEND.deliveryReport),
    // 48 hours, what most SMSCs apply themselves. Bounds: 1 minute, and 63 weeks, the longest
    // validity a GSM relative validity period can express.
    validitySeconds: f.defaulted('validitySeconds', integer(60, 63 * 7 * 86400), DEFAULT_SEND.validitySeconds),
    // 10 segments (about 1 500 GSM characters) stops a runaway template costing 255 SMS.
    maxSegments: f.defaulted('maxSegments', integer(1, 255), DEFAULT_SEND.maxSegments),
    // Off: changing what the user wrote must be asked for.
    smart: f.defaulted('smart', boolean, DEFAULT_SEND.smart),
    encoding: f.defaulted('encoding', oneOf(['auto', 'gsm7', 'ucs2']), DEFAULT_SEND.encoding),
  };
}

// --- transports --------------------------------------------------------------------------

/** Letters, digits and `_.-`: ids show up in routes, logs, JSON output and the store. */
const transportId = text({ maxLength: 64, pattern: { regex: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, expected: 'an id of letters, digits, "_", "." and "-"' } });

function readTransport(f: Fields, ids: Map<string, string>, baseDir: string): TransportConfig | undefined {
  const id = f.required('id', uniqueId(ids));
  switch (f.discriminator('type', ['smpp', 'modem', 'loopback'])) {
    case 'smpp':
      return readSmpp(f, id, baseDir);
    case 'modem':
      return readModem(f, id);
    case 'loopback':
      return readLoopback(f, id, baseDir);
    case undefined:
      return undefined;
  }
}

/** Field lengths are SMPP 3.4's C-Octet String limits less the terminating NUL. */
function readSmpp(f: Fields, id: string, baseDir: string): SmppTransportConfig {
  return {
    id,
    type: 'smpp',
    // No default: where your SMSC lives cannot be guessed, and localhost would hide the omission.
    host: f.required('host', text()),
    port: f.defaulted('port', integer(1, 65535), 2775),
    // The system id is half of the account's credentials: kept out of error messages too.
    systemId: f.required('systemId', text({ maxLength: 15, secret: true })),
    password: f.defaulted('password', text({ allowEmpty: true, maxLength: 8, secret: true }), ''),
    systemType: f.defaulted('systemType', text({ allowEmpty: true, maxLength: 12 }), ''),
    bind: f.defaulted('bind', oneOf(['transmitter', 'receiver', 'transceiver', 'transmitter+receiver']), 'transceiver'),
    window: f.defaulted('window', integer(1, 10000), 50),
    // Whole segments: the rate is counted per one-second span (a fraction was never honoured).
    maxPerSecond: f.defaulted('maxPerSecond', integer(0), 0),
    tls: f.defaulted('tls', booleanOr(objectOf((t) => readTls(t, baseDir))), false),
    addressRange: f.defaulted('addressRange', text({ allowEmpty: true, maxLength: 40 }), ''),
    serviceType: f.defaulted('serviceType', text({ allowEmpty: true, maxLength: 5 }), ''),
    longMessages: f.defaulted('longMessages', oneOf(['udh', 'sar', 'payload']), 'udh'),
    dataCoding: f.defaulted('dataCoding', oneOf(['default', 'latin1']), 'default'),
    // A dead link is found within enquireLinkSeconds + responseTimeoutSeconds of the last PDU received.
    enquireLinkSeconds: f.defaulted('enquireLinkSeconds', integer(1, 3600), 30),
    responseTimeoutSeconds: f.defaulted('responseTimeoutSeconds', integer(1, 300), 10),
    maxResponseTimeouts: f.defaulted('maxResponseTimeouts', integer(1, 1000), 3),
    // Minutes, never seconds: an SMSC locks an account that keeps binding with a wrong password.
    credentialRetrySeconds: f.defaulted('credentialRetrySeconds', integer(60, 86400), 300),
  };
}

/** TLS toward the SMSC or Redis: files (PEM) for a private CA or a client certificate. */
function readTls(f: Fields, baseDir: string): SmppTlsConfig {
  return {
    ca: f.optional('ca', filePath(baseDir)),
    cert: f.optional('cert', filePath(baseDir)),
    key: f.optional('key', filePath(baseDir)),
    servername: f.optional('servername', text()),
    rejectUnauthorized: f.defaulted('rejectUnauthorized', boolean, true),
  };
}

const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600] as const;

function readModem(f: Fields, id: string): ModemTransportConfig {
  return {
    id,
    type: 'modem',
    path: f.required('path', text()),
    baudRate: f.defaulted('baudRate', oneOf(BAUD_RATES), 115200),
    // A string so leading zeros survive; a JSON number is refused.
    pin: f.optional('pin', text({ secret: true, pattern: { regex: /^\d{4,8}$/, expected: 'a string of 4-8 digits' } })),
    mode: f.defaulted('mode', oneOf(['auto', 'pdu', 'text']), 'auto'),
    smsc: f.optional('smsc', text({ pattern: { regex: /^\+\d{3,20}$/, expected: 'an international number, "+" and digits' } })),
  };
}

function readLoopback(f: Fields, id: string, baseDir: string): LoopbackTransportConfig {
  return {
    id,
    type: 'loopback',
    dlrDelayMs: f.defaulted('dlrDelayMs', number(0), 0),
    dlrStatus: f.defaulted('dlrStatus', oneOf(FINAL_RECEIPT_STATUSES), 'DELIVRD'),
    submitDelayMs: f.defaulted('submitDelayMs', number(0), 0),
    log: f.optional('log', filePath(baseDir)),
    failWith: f.optional('failWith', oneOf(['temporary', 'permanent'])),
  };
}

/** A transport id not used before; records each new one with its path. */
function uniqueId(ids: Map<string, string>): Check<string> {
  return (value, path, problems) => {
    const id = transportId(value, path, problems);
    if (id === undefined) return undefined;
    const first = ids.get(id);
    if (first === undefined) {
      ids.set(id, path);
      return id;
    }
    problems.push({ path, message: `${JSON.stringify(id)} is already used at ${first}` });
    return undefined;
  };
}

// --- routes ------------------------------------------------------------------------------

function readRoute(f: Fields, ids: string[]): ResolvedRouteConfig {
  const transportRef: Check<string> = (value, path, problems) => {
    const id = text()(value, path, problems);
    if (id === undefined || ids.includes(id)) return id;
    problems.push({ path, message: `no transport has the id ${JSON.stringify(id)} (known: ${ids.join(', ') || 'none'})` });
    return undefined;
  };
  const transports = f.required('transports', listOf(transportRef, { unique: true }));
  const strategy = f.defaulted<RouteStrategy>('strategy', oneOf(['failover', 'round-robin', 'weighted']), 'failover');
  return {
    match: f.optional('match', objectOf(readMatch)),
    transports,
    strategy,
    weights: readWeights(f, strategy, transports),
    nationalLanguages: f.optional('nationalLanguages', listOf(oneOf(NATIONAL_LANGUAGES), { unique: true })),
  };
}

function readWeights(f: Fields, strategy: RouteStrategy, transports: string[] | undefined): number[] | undefined {
  if (strategy !== 'weighted') {
    if (f.optional('weights', listOf(number(0))) !== undefined) f.problem('weights', 'only used with "strategy": "weighted"');
    return undefined;
  }
  const weights = f.required('weights', listOf(number(0)));
  if (weights === undefined || transports === undefined) return undefined;
  if (weights.length !== transports.length) {
    f.problem('weights', `expected ${transports.length} weights, one per transport, got ${weights.length}`);
  } else if (!weights.some((w) => w > 0)) {
    f.problem('weights', 'expected at least one weight above 0');
  }
  return weights;
}

const NUMBER_TYPES: Record<NumberType, true> = {
  MOBILE: true,
  FIXED_LINE: true,
  FIXED_LINE_OR_MOBILE: true,
  PREMIUM_RATE: true,
  TOLL_FREE: true,
  SHARED_COST: true,
  VOIP: true,
  PERSONAL_NUMBER: true,
  PAGER: true,
  UAN: true,
  VOICEMAIL: true,
};
const numberType = oneOf(Object.keys(NUMBER_TYPES) as NumberType[]);

const prefix = text({ pattern: { regex: /^\+?\d{1,15}$/, expected: 'leading digits of an E.164 number such as "+4477"' } });

function readMatch(f: Fields): RouteMatch {
  return {
    country: f.optional('country', listOf(regionCode, { unique: true })),
    prefix: f.optional('prefix', listOf(prefix, { unique: true })),
    carrier: f.optional('carrier', listOf(text(), { unique: true })),
    type: f.optional('type', listOf(numberType, { unique: true })),
    sender: f.optional('sender', listOf(text(), { unique: true })),
    tag: f.optional('tag', listOf(text(), { unique: true })),
  };
}

// --- guard -------------------------------------------------------------------------------

function readGuard(f: Fields): GuardConfig {
  // Caps live in memory, so a window is kept to a day and a cap to what a key can hold cheaply.
  const windowSeconds = integer(1, 86400);
  const max = integer(1, 100_000);
  return {
    enabled: f.optional('enabled', boolean),
    // An empty list would refuse every message; absent means every country.
    allowedCountries: f.optional('allowedCountries', listOf(regionCode, { unique: true })),
    // Empty is allowed: it unblocks every type.
    blockedTypes: f.optional('blockedTypes', listOf(numberType, { allowEmpty: true, unique: true })),
    perRecipient: f.optional(
      'perRecipient',
      falseOr(objectOf((c) => ({ max: c.required('max', max), windowSeconds: c.required('windowSeconds', windowSeconds) }))),
    ),
    perPrefix: f.optional(
      'perPrefix',
      falseOr(
        objectOf((c) => ({
          digits: c.required('digits', integer(1, 12)),
          max: c.required('max', max),
          windowSeconds: c.required('windowSeconds', windowSeconds),
        })),
      ),
    ),
  };
}
