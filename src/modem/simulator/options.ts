/** The simulator's options, their defaults, and the checks that name the option at fault. */
import { SmsGateError } from '../../errors';

export interface ModemSimulatorOptions {
  /** Path of a symlink to the pty slave (like socat's link=); default a fresh path under os.tmpdir(). */
  link?: string;
  /** SIM PIN; null: no PIN asked. Default null. */
  pin?: string | null;
  /** Default '12345678'. */
  puk?: string;
  /** Modems that only do text mode answer ERROR to AT+CMGF=0 (and start in text mode). Default false. */
  textModeOnly?: boolean;
  /**
   * Require AT+CNMA after each +CMT / +CDS (TS 27.005 <mt>=2 behaviour): the power-on AT+CSMS
   * <service>, 1 when true; the TE can change it with AT+CSMS=0/1. Default false.
   */
  requireAck?: boolean;
  /**
   * With requireAck: how long the modem waits for AT+CNMA. When it runs out the modem does what
   * TS 27.005 §3.4.1 says: routing is turned off (+CNMI <mt> and <ds> become 0), so the network's
   * retry of the message lands in SIM storage without an indication. Default 10 000 ms.
   */
  ackTimeoutMs?: number;
  /** Default '+447700900000'. */
  smsc?: string;
  /** Delay before a status report for a submit with TP-SRR (or text-mode fo bit 5). Default 50 ms. */
  statusReportDelayMs?: number;
  /** TP-ST of the status reports. Default 0 (delivered). */
  statusReportStatus?: number;
  /** CSQ rssi, default 20. */
  signal?: number;
  /** CREG stat, default 1. */
  registration?: number;
  /** The TP-MR of the first +CMGS (the counter then goes up by one and wraps after 255). Default 0. */
  firstMessageReference?: number;
  /** The SIM's own number for AT+CNUM; null (the default): AT+CNUM lists nothing, as on most prepaid SIMs. */
  ownNumber?: string | null;
  /** Slots of each SIM storage ("SM" for messages, "SR" for status reports). Default 30. */
  storageSize?: number;
  /** The SIM's ICCID for AT+CCID / AT+QCCID; null: the modem knows neither command. Default '8944500102198304826'. */
  iccid?: string | null;
}

export interface ResolvedOptions {
  link: string | undefined;
  pin: string | null;
  puk: string;
  textModeOnly: boolean;
  requireAck: boolean;
  ackTimeoutMs: number;
  smsc: string;
  statusReportDelayMs: number;
  statusReportStatus: number;
  signal: number;
  registration: number;
  firstMessageReference: number;
  ownNumber: string | null;
  storageSize: number;
  iccid: string | null;
}

export function resolveOptions(options: ModemSimulatorOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'the options must be an object');
  const pin = options.pin ?? null;
  if (pin !== null) checkCode('pin', pin, 4, 8);
  const puk = options.puk ?? '12345678';
  checkCode('puk', puk, 8, 8);
  const smsc = options.smsc ?? '+447700900000';
  if (!/^\+\d{1,20}$/.test(smsc)) throw invalid('smsc', `smsc must be '+' and digits, got ${JSON.stringify(smsc)}`);
  if (options.link !== undefined && (typeof options.link !== 'string' || options.link === '')) {
    throw invalid('link', 'link must be a non-empty path');
  }
  return {
    link: options.link,
    pin,
    puk,
    textModeOnly: options.textModeOnly === true,
    requireAck: options.requireAck === true,
    ackTimeoutMs: integer('ackTimeoutMs', options.ackTimeoutMs ?? 10_000, 1, 3_600_000),
    smsc,
    statusReportDelayMs: integer('statusReportDelayMs', options.statusReportDelayMs ?? 50, 0, 86_400_000),
    statusReportStatus: integer('statusReportStatus', options.statusReportStatus ?? 0, 0, 255),
    signal: integer('signal', options.signal ?? 20, 0, 99),
    registration: integer('registration', options.registration ?? 1, 0, 5),
    firstMessageReference: integer('firstMessageReference', options.firstMessageReference ?? 0, 0, 255),
    ownNumber: checkNumber('ownNumber', options.ownNumber ?? null),
    storageSize: integer('storageSize', options.storageSize ?? 30, 1, 255),
    iccid: checkIccid(options.iccid === undefined ? '8944500102198304826' : options.iccid),
  };
}

/** ITU-T E.118: up to 19 digits and a check digit; some SIMs pad to 20 with F. */
function checkIccid(value: unknown): string | null {
  if (value !== null && (typeof value !== 'string' || !/^\d{18,20}F?$/.test(value))) {
    throw invalid('iccid', `iccid must be 18 to 20 digits or null, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkNumber(field: string, value: unknown): string | null {
  if (value !== null && (typeof value !== 'string' || !/^\+?\d{1,20}$/.test(value))) {
    throw invalid(field, `${field} must be a number ('+' and digits) or null, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkCode(field: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'string' || !new RegExp(`^\\d{${min},${max}}$`).test(value)) {
    throw invalid(field, `${field} must be ${min === max ? min : `${min} to ${max}`} digits, got ${JSON.stringify(value)}`);
  }
}

export function integer(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `${field} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function invalid(field: string, message: string): SmsGateError {
  return new SmsGateError('OPTION_INVALID', message, { field });
}
