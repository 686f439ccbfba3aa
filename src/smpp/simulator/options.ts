/** What an SmscSimulator can be told, its defaults, and the checks that name a bad option. */
import { SmsGateError } from '../../errors';
import { BLANK_MESSAGE_IDS, MALFORMED_KINDS, NO_FAULTS, type Faults } from './faults';
import { MESSAGE_ID_FORMATS, type MessageIdFormat } from './message-ids';
import { RECEIPT_STATUSES, type ReceiptStatus } from './receipts';

export interface SimulatorTlsOptions {
  key: Buffer | string;
  cert: Buffer | string;
  /** Client CAs, for requestCert. */
  ca?: Buffer | string | (Buffer | string)[];
  /** Ask clients for a certificate (and refuse those the CAs did not sign). */
  requestCert?: boolean;
}

export interface SmscSimulatorOptions {
  /** Default 127.0.0.1: the simulator listens on loopback unless told otherwise. */
  host?: string;
  /** Default 2775; 0 picks a free port (start() tells which). */
  port?: number;
  /** When set, binds must give this system_id (else ESME_RINVSYSID); unset accepts any. */
  systemId?: string;
  /** When set, binds must give this password (else ESME_RINVPASWD); unset accepts any. */
  password?: string;
  /** Delay between the submit_sm_resp and the delivery receipt. Default 100. */
  dlrDelayMs?: number;
  /** The final state receipts report; 'random' picks one per message. Default DELIVRD. */
  dlrStatus?: ReceiptStatus | 'random';
  /** At most this many submit_sm per system_id in any 1 s window; the excess gets ESME_RTHROTTLED. */
  throttlePerSecond?: number;
  /** Listen with TLS instead of plain TCP. */
  tls?: SimulatorTlsOptions;
  /** How submit_sm_resp writes message ids. Default 'hex'. */
  messageIdFormat?: MessageIdFormat;
  /** How receipts write them: 'same' as the submit_sm_resp (the default), or another format. */
  receiptIdFormat?: MessageIdFormat | 'same';
  /** The number the first message id stands for, so ids with hex letters come early. Default 1. */
  firstMessageId?: number;
  /**
   * Hand out only this many message ids, then start again from firstMessageId, as an SMSC does
   * that restarts its counter or wraps a small one: ids are used again, by later messages.
   * Unset (the default): every id is new.
   */
  messageIdWrap?: number;
  /**
   * Which bind of the submitting system_id a receipt goes to: 'submitter' (the default) the
   * session that submitted when it can receive; 'any' a receiving session picked at random, as
   * an SMSC does that spreads an account's receipts over its binds.
   */
  receiptsTo?: 'submitter' | 'any';
  /** Receipts carry receipted_message_id and message_state TLVs. Default true; false: text only. */
  receiptTlvs?: boolean;
  /** A deliver_sm not answered within this time is sent again. Default 5000. */
  deliverRetryMs?: number;
  faults?: Partial<Faults>;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  systemId: string | undefined;
  password: string | undefined;
  dlrDelayMs: number;
  dlrStatus: ReceiptStatus | 'random';
  throttlePerSecond: number | undefined;
  tls: SimulatorTlsOptions | undefined;
  messageIdFormat: MessageIdFormat;
  receiptIdFormat: MessageIdFormat;
  firstMessageId: number;
  messageIdWrap: number | undefined;
  receiptsTo: 'submitter' | 'any';
  receiptTlvs: boolean;
  deliverRetryMs: number;
}

const DEFAULT_PORT = 2775;

export function resolveOptions(options: SmscSimulatorOptions): ResolvedOptions {
  const messageIdFormat = oneOf('messageIdFormat', options.messageIdFormat ?? 'hex', MESSAGE_ID_FORMATS);
  const receiptIdFormat = oneOf('receiptIdFormat', options.receiptIdFormat ?? 'same', [...MESSAGE_ID_FORMATS, 'same']);
  return {
    host: options.host ?? '127.0.0.1',
    port: integer('port', options.port ?? DEFAULT_PORT, 0, 65535),
    systemId: options.systemId,
    password: options.password,
    dlrDelayMs: integer('dlrDelayMs', options.dlrDelayMs ?? 100, 0),
    dlrStatus: oneOf('dlrStatus', options.dlrStatus ?? 'DELIVRD', [...RECEIPT_STATUSES, 'random']),
    throttlePerSecond:
      options.throttlePerSecond === undefined ? undefined : integer('throttlePerSecond', options.throttlePerSecond, 1),
    tls: options.tls,
    messageIdFormat,
    receiptIdFormat: receiptIdFormat === 'same' ? messageIdFormat : receiptIdFormat,
    firstMessageId: integer('firstMessageId', options.firstMessageId ?? 1, 0),
    messageIdWrap: options.messageIdWrap === undefined ? undefined : integer('messageIdWrap', options.messageIdWrap, 1),
    receiptsTo: oneOf('receiptsTo', options.receiptsTo ?? 'submitter', ['submitter', 'any']),
    receiptTlvs: options.receiptTlvs ?? true,
    deliverRetryMs: integer('deliverRetryMs', options.deliverRetryMs ?? 5000, 1),
  };
}

/** The faults after applying `change`; throws OPTION_INVALID naming a bad one. */
export function mergeFaults(current: Faults, change: Partial<Faults>): Faults {
  const faults = { ...current, ...change };
  const optionalStatus = (name: 'rejectBinds' | 'submitStatus') => {
    const value = faults[name];
    if (value !== null) integer(`faults.${name}`, value, 1, 0xffffffff);
  };
  if (faults.dropAfterSubmits !== null) integer('faults.dropAfterSubmits', faults.dropAfterSubmits, 1);
  integer('faults.delayResponsesMs', faults.delayResponsesMs, 0);
  integer('faults.throttleNext', faults.throttleNext, 0);
  integer('faults.loseDeliverResps', faults.loseDeliverResps, 0);
  if (faults.segment !== null) {
    integer('faults.segment.sequence', faults.segment.sequence, 1, 255);
    integer('faults.segment.times', faults.segment.times, 1);
    if (faults.segment.status !== undefined) integer('faults.segment.status', faults.segment.status, 1, 0xffffffff);
    if (faults.segment.delayMs !== undefined) integer('faults.segment.delayMs', faults.segment.delayMs, 0);
  }
  optionalStatus('rejectBinds');
  optionalStatus('submitStatus');
  if (faults.malformedPdu !== null) oneOf('faults.malformedPdu', faults.malformedPdu, MALFORMED_KINDS);
  if (faults.blankMessageIds !== null) oneOf('faults.blankMessageIds', faults.blankMessageIds, BLANK_MESSAGE_IDS);
  for (const name of ['withholdResponses', 'receiptBeforeResp', 'silent', 'holdDeliveries'] as const) {
    if (typeof faults[name] !== 'boolean') throw invalid(`faults.${name}`, `faults.${name} must be true or false`);
  }
  return faults;
}

export function initialFaults(faults: Partial<Faults> | undefined): Faults {
  return mergeFaults({ ...NO_FAULTS }, faults ?? {});
}

function integer(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `${field} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw invalid(field, `${field} must be one of ${allowed.join(', ')}, got ${String(value)}`);
  }
  return value as T;
}

function invalid(field: string, message: string): SmsGateError {
  return new SmsGateError('OPTION_INVALID', message, { field });
}
