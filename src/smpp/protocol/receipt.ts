/**
 * Delivery receipts: a deliver_sm whose esm_class says so, carrying the SMSC's message id and the
 * message's state in TLVs (receipted_message_id, message_state: SMPP 3.4 §5.3.2.12, §5.3.2.35)
 * and/or in the text of SMPP 3.4 Appendix B:
 *
 *   id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E Text:...
 *
 * Appendix B calls the text format vendor specific, and SMSCs vary it: the case of the keys
 * (`Id:`, `STAT:`, `Text:`), missing fields, several spaces, `submit_date`, seconds in the dates,
 * full words for the stat. The TLVs, when present, are exact and win over the text.
 */
import { RECEIPT_STATUS, type ReceiptStatus } from '../../transport/receipt-status';
import type { MessageState } from '../../types';
import { receivedAddress } from './address';
import type { DeliverSmFields } from './deliver-sm';

export interface ReceiptFields {
  id?: string;
  sub?: number;
  dlvrd?: number;
  /** null when the field is there but is no valid YYMMDDhhmm[ss]. */
  submitDate?: Date | null;
  doneDate?: Date | null;
  /** Upper-cased; a known variant is given as the Appendix B word (see STAT_VARIANTS). */
  stat?: string;
  err?: string;
  /** Everything after `text:`, colons included. */
  text?: string;
}

/**
 * Stat words seen in the wild for the Appendix B ones. FAILED (PSWinCom's final failure) reads as
 * UNDELIV; SUBMITTED (accepted by the next hop, not final) as ENROUTE; ACKED as ACCEPTD.
 */
export const STAT_VARIANTS: Readonly<Record<string, ReceiptStatus>> = {
  DELIVERED: 'DELIVRD',
  UNDELIVERABLE: 'UNDELIV',
  UNDELIVERED: 'UNDELIV',
  FAILED: 'UNDELIV',
  REJECTED: 'REJECTD',
  ACCEPTED: 'ACCEPTD',
  ACKED: 'ACCEPTD',
  SUBMITTED: 'ENROUTE',
};

/** The keys as a receipt may write them, lower-cased; `submit date` and `done date` also without the space. */
type ReceiptKey = 'id' | 'sub' | 'dlvrd' | 'submitdate' | 'donedate' | 'stat' | 'err' | 'text';

/**
 * The fields of a receipt text, or null when the text is no receipt: it must name at least two of
 * id, sub, dlvrd, submit date, done date, stat and err, so that an ordinary message that happens
 * to contain `id:` is not taken for one. Dates carry no time zone; they are read as UTC.
 *
 * A key starts the text or follows whitespace, in any case, with any whitespace before its colon
 * (and any whitespace or underscores inside `submit date` and `done date`); a value is the first
 * word after the colon, up to the next key. Every receipt goes through here, so this is a
 * hand-written scan rather than regular expressions and string splitting (which were a tenth of
 * the gateway's CPU time); the tests hold it to the regular-expression reading.
 */
export function parseReceiptText(text: string): ReceiptFields | null {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--; // some SMSCs NUL-terminate short_message
  const fields: ReceiptFields = {};
  const seen = new Set<ReceiptKey>();
  // The key found last, whose value runs up to where the next key starts.
  let pending: ReceiptKey | undefined;
  let valueStart = 0;
  for (let at = 0; at < end; at++) {
    if (at > 0 && !isSpace(text.charCodeAt(at - 1))) continue;
    const key = keyAt(text, at, end);
    if (key === undefined) continue;
    if (pending !== undefined) readField(fields, pending, firstWord(text, valueStart, at - 1));
    if (key.key === 'text') {
      // The quoted message runs to the end and may contain anything, `stat:` included.
      fields.text = text.slice(key.valueStart, end);
      pending = undefined;
      break;
    }
    // The first occurrence of a key wins.
    pending = seen.has(key.key) ? undefined : key.key;
    seen.add(key.key);
    valueStart = key.valueStart;
    at = key.valueStart - 1;
  }
  if (pending !== undefined) readField(fields, pending, firstWord(text, valueStart, end));
  return seen.size >= 2 ? fields : null;
}

/**
 * The keys in the order they are tried at a position, with the name each is read under; `submit`
 * and `done` must be followed by `date`, after any whitespace or underscores.
 */
const KEYS: readonly (readonly [string, ReceiptKey])[] = [
  ['id', 'id'],
  ['sub', 'sub'],
  ['dlvrd', 'dlvrd'],
  ['submit', 'submitdate'],
  ['done', 'donedate'],
  ['stat', 'stat'],
  ['err', 'err'],
  ['text', 'text'],
];

/** The key written at `at`, followed by optional whitespace and its colon, and where its value starts. */
function keyAt(text: string, at: number, end: number): { key: ReceiptKey; valueStart: number } | undefined {
  for (const [spelling, key] of KEYS) {
    let next = word(text, at, end, spelling);
    if (next !== -1 && (key === 'submitdate' || key === 'donedate')) {
      next = word(text, skipSpaceOrUnderscore(text, next, end), end, 'date');
    }
    if (next === -1) continue;
    while (next < end && isSpace(text.charCodeAt(next))) next++;
    if (next < end && text.charCodeAt(next) === 0x3a) return { key, valueStart: next + 1 };
  }
  return undefined;
}

/** Where `lower` (lower-case ASCII) ends when `text` spells it at `at` in any case; else -1. */
function word(text: string, at: number, end: number, lower: string): number {
  if (at + lower.length > end) return -1;
  for (let i = 0; i < lower.length; i++) {
    const code = text.charCodeAt(at + i);
    // Only ASCII letters fold, as in a case-insensitive regular expression.
    if (code !== lower.charCodeAt(i) && !(code >= 0x41 && code <= 0x5a && (code | 0x20) === lower.charCodeAt(i))) return -1;
  }
  return at + lower.length;
}

function skipSpaceOrUnderscore(text: string, at: number, end: number): number {
  while (at < end && (text.charCodeAt(at) === 0x5f || isSpace(text.charCodeAt(at)))) at++;
  return at;
}

/** The first run of non-whitespace in text[from, to), '' when there is none. */
function firstWord(text: string, from: number, to: number): string {
  while (from < to && isSpace(text.charCodeAt(from))) from++;
  let end = from;
  while (end < to && !isSpace(text.charCodeAt(end))) end++;
  return text.slice(from, end);
}

/** What `\s` matches in a regular expression (and `trim()` removes). */
function isSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

function readField(fields: ReceiptFields, key: ReceiptKey, value: string): void {
  if (value === '') return;
  switch (key) {
    case 'id':
      fields.id = value;
      break;
    case 'sub':
    case 'dlvrd':
      if (/^\d+$/.test(value)) fields[key] = Number(value);
      break;
    case 'submitdate':
      fields.submitDate = parseReceiptDate(value);
      break;
    case 'donedate':
      fields.doneDate = parseReceiptDate(value);
      break;
    case 'stat': {
      const stat = value.toUpperCase();
      fields.stat = STAT_VARIANTS[stat] ?? stat;
      break;
    }
    case 'err':
      fields.err = value;
      break;
  }
}

/** YYMMDDhhmm or YYMMDDhhmmss (SMPP 3.4 §7.1.1 note), read as UTC in 2000-2099. */
function parseReceiptDate(value: string): Date | null {
  if (value.length !== 10 && value.length !== 12) return null;
  const year = twoDigits(value, 0);
  const month = twoDigits(value, 2);
  const day = twoDigits(value, 4);
  const hours = twoDigits(value, 6);
  const minutes = twoDigits(value, 8);
  const seconds = value.length === 12 ? twoDigits(value, 10) : 0;
  if (year < 0 || month < 0 || day < 0 || hours < 0 || minutes < 0 || seconds < 0) return null;
  const date = new Date(Date.UTC(2000 + year, month - 1, day, hours, minutes, seconds));
  // Date.UTC rolls over (month 13 is January next year): a date that does not read back is invalid.
  const readsBack =
    date.getUTCMonth() + 1 === month &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hours &&
    date.getUTCMinutes() === minutes &&
    date.getUTCSeconds() === seconds;
  return readsBack ? date : null;
}

/** The number the two ASCII digits at `at` write, or -1. */
function twoDigits(value: string, at: number): number {
  const tens = value.charCodeAt(at) - 0x30;
  const units = value.charCodeAt(at + 1) - 0x30;
  return tens >= 0 && tens <= 9 && units >= 0 && units <= 9 ? tens * 10 + units : -1;
}

const ESM_MESSAGE_TYPE = 0x3c; // esm_class bits 5-2 (§5.2.12)
const SMSC_DELIVERY_RECEIPT = 0x04;
const INTERMEDIATE_NOTIFICATION = 0x20;

/**
 * Whether a deliver_sm with this esm_class reports a message's state: an SMSC delivery receipt
 * (0x04) or an intermediate delivery notification (0x20, a non-final state such as a first failed
 * attempt). SME delivery and manual/user acknowledgements (0x08, 0x10) come from the recipient's
 * application, which smsgate never asks for, and say nothing about the network; 0 is an MO.
 */
export function isReceipt(esmClass: number): boolean {
  const type = esmClass & ESM_MESSAGE_TYPE;
  return type === SMSC_DELIVERY_RECEIPT || type === INTERMEDIATE_NOTIFICATION;
}

/** message_state values (SMPP 3.4 §5.2.28; 9 from SMPP 5.0) through the Appendix B words where there is one. */
const MESSAGE_STATES: Readonly<Record<number, MessageState>> = {
  1: RECEIPT_STATUS.ENROUTE,
  2: RECEIPT_STATUS.DELIVRD,
  3: RECEIPT_STATUS.EXPIRED,
  4: RECEIPT_STATUS.DELETED,
  5: RECEIPT_STATUS.UNDELIV,
  6: RECEIPT_STATUS.ACCEPTD,
  7: RECEIPT_STATUS.UNKNOWN,
  8: RECEIPT_STATUS.REJECTD,
  9: 'UNDELIVERED', // SKIPPED: accepted, then never sent to the network
};

export type ReceiptPdu = Pick<
  DeliverSmFields,
  'esm_class' | 'data_coding' | 'short_message' | 'message_payload' | 'receipted_message_id' | 'message_state' | 'network_error_code'
> &
  Partial<Pick<DeliverSmFields, 'source_addr' | 'source_addr_ton'>>;

export interface Receipt {
  /** The SMSC's message id as the receipt gives it: match it with message-id.ts. */
  providerId: string;
  state: MessageState;
  errorCode?: string;
  /** Epoch ms of the text's `done date` (read as UTC). */
  doneAt?: number;
  /**
   * The receipt's source_addr: the original message's destination (SMPP 3.4 §4.6.1, a receipt
   * goes back from the recipient), `+` added when its TON says international. Absent when empty.
   */
  address?: string;
}

/**
 * The report a deliver_sm carries, or null when it is no receipt (see isReceipt) or says too
 * little: no message id, or (for a final receipt) no state smsgate knows. An unknown stat word is
 * not taken for UNKNOWN, which is final: vendors use their own words for non-final states too.
 *
 * Each of id, state and error code comes from its TLV when present and valid, else from the text.
 * An intermediate notification is always SUBMITTED: whatever its stat says, the SMSC still tries.
 */
export function receiptFromDeliverSm(pdu: ReceiptPdu): Receipt | null {
  if (!isReceipt(pdu.esm_class)) return null;
  const fields = parseReceiptText(receiptText(pdu));
  const providerId = pdu.receipted_message_id?.trim() || fields?.id;
  const intermediate = (pdu.esm_class & ESM_MESSAGE_TYPE) === INTERMEDIATE_NOTIFICATION;
  const state = intermediate ? 'SUBMITTED' : (stateOf(pdu.message_state) ?? statState(fields?.stat));
  if (providerId === undefined || state === undefined) return null;

  const receipt: Receipt = { providerId, state };
  const errorCode = networkErrorCode(pdu.network_error_code) ?? fields?.err;
  if (errorCode !== undefined) receipt.errorCode = errorCode;
  const doneAt = fields?.doneDate?.getTime();
  if (doneAt !== undefined) receipt.doneAt = doneAt;
  const source = pdu.source_addr?.trim();
  if (source) receipt.address = receivedAddress(source, pdu.source_addr_ton ?? 0);
  return receipt;
}

/**
 * The receipt text is ASCII whatever data_coding says (0 usually, which would make '_' read as
 * '§' through the GSM table), so it is read as Latin-1, octet for character; only UCS-2 (8),
 * which some SMSCs use, is decoded as such. Some SMSCs put it in message_payload instead.
 */
function receiptText(pdu: ReceiptPdu): string {
  const data = pdu.short_message.length > 0 ? pdu.short_message : (pdu.message_payload ?? Buffer.alloc(0));
  if (pdu.data_coding !== 0x08) return data.toString('latin1');
  return Buffer.from(data.subarray(0, data.length - (data.length % 2))).swap16().toString('utf16le');
}

function stateOf(messageState: number | undefined): MessageState | undefined {
  return messageState === undefined ? undefined : MESSAGE_STATES[messageState];
}

function statState(stat: string | undefined): MessageState | undefined {
  return stat !== undefined && Object.hasOwn(RECEIPT_STATUS, stat) ? RECEIPT_STATUS[stat as ReceiptStatus] : undefined;
}

/**
 * network_error_code (§5.3.2.31) as `<network type>:<error code>`, both decimal: the type says
 * whose codes these are (1 ANSI-136 access denied reason, 2 IS-95 access denied reason, 3 GSM,
 * 4 ANSI-136 cause code, 5 IS-95 cause code, 6 ANSI-41 error, 7 SMPP error, 8 SMSC specific), so
 * GSM's "absent subscriber" (MAP error 27) is `3:27`. A TLV of the wrong length is ignored.
 */
function networkErrorCode(tlv: Buffer | undefined): string | undefined {
  return tlv?.length === 3 ? `${tlv[0]}:${tlv.readUInt16BE(1)}` : undefined;
}
