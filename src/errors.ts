/**
 * Every error smsgate raises on purpose is an SmsGateError: a stable `code` that programs can
 * switch on, a `field` naming the input at fault (a config path, `to`, `text`, `from`, ...) and a
 * message a person can act on. Secrets never go into either.
 */

/** Codes grouped by what is at fault. `kind` decides the CLI exit code and whether to retry. */
const CODES = {
  // Bad input: the caller must change something (CLI exit 2).
  USAGE: 'input',
  NUMBER_INVALID: 'input',
  NUMBER_TOO_SHORT: 'input',
  NUMBER_TOO_LONG: 'input',
  NUMBER_NOT_A_NUMBER: 'input',
  REGION_UNKNOWN: 'input',
  SENDER_INVALID: 'input',
  SENDER_TOO_LONG: 'input',
  SENDER_TYPE_UNKNOWN: 'input',
  TEXT_EMPTY: 'input',
  TEXT_NOT_ENCODABLE: 'input',
  TEXT_TOO_MANY_SEGMENTS: 'input',
  /** Received bytes (a UDH, user data) that do not decode as they claim to. */
  USER_DATA_INVALID: 'input',
  OPTION_INVALID: 'input',
  CONFIG_NOT_FOUND: 'input',
  CONFIG_PARSE: 'input',
  CONFIG_INVALID: 'input',
  CSV_INVALID: 'input',

  // The gateway refused the message by policy (the guard, the route table).
  NO_ROUTE: 'refused',
  COUNTRY_NOT_ALLOWED: 'refused',
  NUMBER_TYPE_BLOCKED: 'refused',
  RATE_LIMITED: 'refused',
  OPTED_OUT: 'refused',

  // The operation failed: the transport or store could not do it (CLI exit 1).
  TRANSPORT_UNAVAILABLE: 'failed',
  TRANSPORT_TEMPORARY: 'failed',
  TRANSPORT_PERMANENT: 'failed',
  RETRIES_EXHAUSTED: 'failed',
  VALIDITY_EXPIRED: 'failed',
  STORE_UNAVAILABLE: 'failed',
  STORE_ERROR: 'failed',
  GATEWAY_STOPPED: 'failed',
  TIMEOUT: 'failed',
  MESSAGE_NOT_FOUND: 'failed',
  /** A delivery report that no stored message could take (logged as a gateway warning). */
  REPORT_UNMATCHED: 'failed',
} as const;

export type ErrorCode = keyof typeof CODES;
export type ErrorKind = (typeof CODES)[ErrorCode];

export interface SmsGateErrorOptions {
  /** The input at fault: a config path (`transports[0].port`), or `to`, `text`, `from`, ... */
  field?: string;
  /** For transport errors: the provider's own code (an SMPP command_status, a +CMS ERROR). */
  providerCode?: string | number;
  cause?: unknown;
}

export class SmsGateError extends Error {
  override readonly name = 'SmsGateError';
  readonly code: ErrorCode;
  readonly field?: string;
  readonly providerCode?: string | number;

  constructor(code: ErrorCode, message: string, options: SmsGateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.field !== undefined) this.field = options.field;
    if (options.providerCode !== undefined) this.providerCode = options.providerCode;
  }

  get kind(): ErrorKind {
    return CODES[this.code];
  }

  /** The shape used in JSON output, events and the store. */
  toJSON(): ErrorInfo {
    const info: ErrorInfo = { code: this.code, message: this.message };
    if (this.field !== undefined) info.field = this.field;
    if (this.providerCode !== undefined) info.providerCode = this.providerCode;
    return info;
  }
}

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  field?: string;
  providerCode?: string | number;
}

export function isSmsGateError(err: unknown): err is SmsGateError {
  return err instanceof SmsGateError;
}
