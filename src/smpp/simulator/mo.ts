/**
 * Mobile-originated messages the simulator injects: deliver_sm with esm_class 0 (0x40 when a
 * UDH carries the concatenation), the text encoded by the project's own encoder. A long text is
 * split as a handset would: concatenation in a UDH with an 8- or 16-bit reference, or in the
 * SAR TLVs (§5.3.2.22-24). Parts can be sent out of order, or left out, to test reassembly.
 */
import { randomInt } from 'node:crypto';
import { encodeMessage, type EncodingChoice } from '../../encoding';
import { SmsGateError } from '../../errors';
import { int16Tlv, int8Tlv, type Address, type DeliverSm, type Tlv } from './pdu';
import { ESM_CLASS, TLV } from './protocol';

export type MoConcat = 'udh8' | 'udh16' | 'sar';

export interface MoMessage {
  /** The sender: digits, optionally with a leading '+', or an alphanumeric name. */
  from: string;
  to: string;
  text: string;
  /** Default 'auto': GSM 7-bit when the text allows it, else UCS-2. */
  encoding?: EncodingChoice;
  /** How a text needing several parts is concatenated. Default 'udh8'. */
  concat?: MoConcat;
  /** Concatenation reference (0-255 for udh8, 0-65535 otherwise). Default random. */
  reference?: number;
  /** Part numbers (1-based), every part once, in the order they are to be sent. */
  order?: number[];
  /** Part numbers (1-based) never sent, so the message cannot be reassembled. */
  dropParts?: number[];
  /** Deliver only to sessions bound with this system_id. Default: any receiver or transceiver. */
  systemId?: string;
}

export interface MoPart {
  /** 1-based position of the part in the message. */
  part: number;
  deliver: DeliverSm;
}

/** The deliver_sm PDUs of `mo`, in sending order, dropped parts left out. */
export function moParts(mo: MoMessage): MoPart[] {
  const concat = mo.concat ?? 'udh8';
  if (!['udh8', 'udh16', 'sar'].includes(concat)) {
    throw invalid('concat', `concat must be 'udh8', 'udh16' or 'sar', got ${String(concat)}`);
  }
  // SAR parts are cut like 8-bit UDH ones (153 septets, 67 UCS-2 characters), the usual size;
  // their reference is 16 bits wide and travels in a TLV, so the encoder's UDH is left out.
  const sar = concat === 'sar';
  const sarReference = sar ? checkReference(mo.reference) : undefined;
  const encoded = encodeMessage(mo.text, {
    encoding: mo.encoding ?? 'auto',
    reference: sar ? undefined : mo.reference,
    reference16: concat === 'udh16',
  });
  const total = encoded.segments.length;
  const source = addressOf(mo.from, 'from');
  const destination = addressOf(mo.to, 'to');
  const parts = encoded.segments.map((segment, index): MoPart => {
    const udh = sar ? Buffer.alloc(0) : segment.udh;
    const tlvs = sar && total > 1 ? sarTlvs(sarReference!, total, index + 1) : [];
    return {
      part: index + 1,
      deliver: {
        source,
        destination,
        esmClass: udh.length > 0 ? ESM_CLASS.UDHI : 0,
        dataCoding: encoded.dataCoding,
        shortMessage: Buffer.concat([udh, segment.payload]),
        tlvs,
      },
    };
  });
  const dropped = new Set(checkPartNumbers(mo.dropParts ?? [], total, 'dropParts'));
  const order = mo.order === undefined ? parts.map((p) => p.part) : checkOrder(mo.order, total);
  return order.filter((part) => !dropped.has(part)).map((part) => parts[part - 1]!);
}

function sarTlvs(reference: number, total: number, sequence: number): Tlv[] {
  return [
    int16Tlv(TLV.sar_msg_ref_num, reference),
    int8Tlv(TLV.sar_total_segments, total),
    int8Tlv(TLV.sar_segment_seqnum, sequence),
  ];
}

/** International numbers as TON 1 / NPI 1 (E.164), anything else as an alphanumeric address (TON 5). */
function addressOf(value: string, field: string): Address {
  if (typeof value !== 'string' || value === '') throw invalid(field, `${field} must be a non-empty string`);
  const digits = /^\+?(\d{1,20})$/.exec(value);
  if (digits) return { addr: digits[1]!, ton: 1, npi: 1 };
  return { addr: value, ton: 5, npi: 0 };
}

function checkReference(reference: number | undefined): number {
  if (reference === undefined) return randomInt(0x10000);
  if (!Number.isInteger(reference) || reference < 0 || reference > 0xffff) {
    throw invalid('reference', `reference must be an integer from 0 to 65535 for SAR, got ${String(reference)}`);
  }
  return reference;
}

function checkOrder(order: number[], total: number): number[] {
  checkPartNumbers(order, total, 'order');
  if (order.length !== total || new Set(order).size !== total) {
    throw invalid('order', `order must list each of the ${total} part numbers once, got [${order.join(', ')}]`);
  }
  return order;
}

function checkPartNumbers(parts: number[], total: number, field: string): number[] {
  if (!Array.isArray(parts)) throw invalid(field, `${field} must be an array of part numbers`);
  const wrong = parts.find((part) => !Number.isInteger(part) || part < 1 || part > total);
  if (wrong !== undefined) {
    throw invalid(field, `${field}: ${String(wrong)} is not a part number (the message has ${total} part(s))`);
  }
  return parts;
}

function invalid(field: string, message: string): SmsGateError {
  return new SmsGateError('OPTION_INVALID', message, { field });
}
