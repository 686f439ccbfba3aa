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
const STAT_VARIANTS: Readonly<Record<string, ReceiptStatus>> = {
  DELIVERED: 'DELIVRD',
  UNDELIVERABLE: 'UNDELIV',
  UNDELIVERED: 'UNDELIV',
  FAILED: 'UNDELIV',
  REJECTED: 'REJECTD',
  ACCEPTED: 'ACCEPTD',
  ACKED: 'ACCEPTD',
  SUBMITTED: 'ENROUTE',
};

/** A key starts the text or follows whitespace; `sub` cannot match `submit date` because `:` must follow. */
const KEY = /(?:^|\s)(id|sub|dlvrd|submit[\s_]*date|done[\s_]*date|stat|err|text)\s*:/gi;

/**
 * The fields of a receipt text, or null when the text is no receipt: it must name at least two of
 * id, sub, dlvrd, submit date, done date, stat and err, so that an ordinary message that happens
 * to contain `id:` is not taken for one. Dates carry no time zone; they are read as UTC.
 */
export function parseReceiptText(text: string): ReceiptFields | null {
  const source = text.replace(/\0+$/, ''); // some SMSCs NUL-terminate short_message
  const keys = [...source.matchAll(KEY)];
  const fields: ReceiptFields = {};
  const seen = new Set<string>();
  for (const [index, match] of keys.entries()) {
    const key = match[1].toLowerCase().replace(/[\s_]/g, '');
    const valueStart = match.index + match[0].length;
    if (key === 'text') {
      // The quoted message runs to the end and may contain anything, `stat:` included.
      fields.text = source.slice(valueStart);
      break;
    }
    if (seen.has(key)) continue; // the first occurrence wins
    seen.add(key);
    const value = source.slice(valueStart, keys[index + 1]?.index ?? source.length).trim().split(/\s+/)[0];
    readField(fields, key, value);
  }
  return seen.size >= 2 ? fields : null;
}

function readField(fields: ReceiptFields, key: string, value: string): void {
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
  const match = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?$/.exec(value);
  if (match === null) return null;
  const [year, month, day, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  const date = new Date(Date.UTC(2000 + year, month - 1, day, hours, minutes, seconds));
  // Date.UTC rolls over (month 13 is January next year): a date that does not read back is invalid.
  const readBack = [date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()];
  return readBack.every((part, i) => part === [month, day, hours, minutes, seconds][i]) ? date : null;
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
>;

export interface Receipt {
  /** The SMSC's message id as the receipt gives it: match it with message-id.ts. */
  providerId: string;
  state: MessageState;
  errorCode?: string;
  /** Epoch ms of the text's `done date` (read as UTC). */
  doneAt?: number;
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
