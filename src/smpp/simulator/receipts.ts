/**
 * Delivery receipts: a deliver_sm with esm_class 0x04 whose short_message is the receipt text of
 * SMPP 3.4 Appendix B, plus the receipted_message_id and message_state TLVs (§5.3.2.12, §5.3.2.35)
 * that let an ESME skip parsing the text.
 */
import { encodeMessage, gsm7Length } from '../../encoding';
import { cstringTlv, int8Tlv, type Address, type DeliverSm } from './pdu';
import { ESM_CLASS, MESSAGE_STATE, TLV } from './protocol';

export type ReceiptStatus = 'DELIVRD' | 'UNDELIV' | 'EXPIRED' | 'REJECTD';

export const RECEIPT_STATUSES: readonly ReceiptStatus[] = ['DELIVRD', 'UNDELIV', 'EXPIRED', 'REJECTD'];

const MESSAGE_STATES: Readonly<Record<ReceiptStatus, number>> = {
  DELIVRD: MESSAGE_STATE.DELIVERED,
  UNDELIV: MESSAGE_STATE.UNDELIVERABLE,
  EXPIRED: MESSAGE_STATE.EXPIRED,
  REJECTD: MESSAGE_STATE.REJECTED,
};

/** The `err:` field is network specific; the simulator uses its own small codes, one per status. */
const ERROR_CODES: Readonly<Record<ReceiptStatus, string>> = {
  DELIVRD: '000',
  UNDELIV: '001',
  EXPIRED: '002',
  REJECTD: '003',
};

/** The receipt text quotes at most this many characters of the message. */
const QUOTED_CHARACTERS = 20;

/**
 * registered_delivery bits 0-1 (§5.2.17): 1 asks for a receipt on any final state, 2 only on
 * failure; 0 (and the reserved 3) for none.
 */
export function wantsReceipt(registeredDelivery: number, status: ReceiptStatus): boolean {
  const request = registeredDelivery & 0x03;
  return request === 1 || (request === 2 && status !== 'DELIVRD');
}

export interface ReceiptFacts {
  /** The message id as the receipt writes it (see message-ids.ts). */
  receiptId: string;
  status: ReceiptStatus;
  submittedAt: Date;
  doneAt: Date;
  /** The submitted text, or null when it could not be decoded. */
  text: string | null;
  /** Addresses of the submit_sm: the receipt goes back from its destination to its source. */
  submitSource: Address;
  submitDestination: Address;
  withTlvs: boolean;
}

/** `id:42 sub:001 dlvrd:001 submit date:2611251430 done date:2611251430 stat:DELIVRD err:000 text:Hello` */
export function receiptText(facts: ReceiptFacts): string {
  const delivered = facts.status === 'DELIVRD' ? '001' : '000';
  return (
    `id:${facts.receiptId} sub:001 dlvrd:${delivered} ` +
    `submit date:${receiptDate(facts.submittedAt)} done date:${receiptDate(facts.doneAt)} ` +
    `stat:${facts.status} err:${ERROR_CODES[facts.status]} text:${quote(facts.text ?? '')}`
  );
}

export function buildReceipt(facts: ReceiptFacts): DeliverSm {
  // data_coding 0: the GSM 7-bit default alphabet, one septet per octet. The fixed part of the
  // text is the same octets in ASCII; quote() keeps the quoted text to one septet per character.
  const shortMessage = encodeMessage(receiptText(facts), { encoding: 'gsm7' }).segments[0]!.payload;
  return {
    source: facts.submitDestination,
    destination: facts.submitSource,
    esmClass: ESM_CLASS.DELIVERY_RECEIPT,
    dataCoding: 0,
    shortMessage,
    tlvs: facts.withTlvs
      ? [cstringTlv(TLV.receipted_message_id, facts.receiptId), int8Tlv(TLV.message_state, MESSAGE_STATES[facts.status])]
      : [],
  };
}

/** YYMMDDhhmm in UTC, so receipts do not depend on the machine's time zone. */
function receiptDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    two(date.getUTCFullYear() % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes())
  );
}

/**
 * The first characters of the message, each one septet of the default alphabet: anything else
 * (extension-table characters, which take two, and characters GSM 7-bit lacks) becomes '?', so
 * the receipt always fits one segment.
 */
function quote(text: string): string {
  return Array.from(text)
    .slice(0, QUOTED_CHARACTERS)
    .map((character) => (gsm7Length(character) === 1 ? character : '?'))
    .join('');
}
