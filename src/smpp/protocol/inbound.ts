/**
 * An MO deliver_sm (one that isReceipt() says is no receipt) as a part for the Reassembler: the
 * addresses, the decoded text, and where the part belongs when the message came in several.
 */
import { decodeUserData, type DecodedUserData } from '../../encoding';
import { SmsGateError, isSmsGateError } from '../../errors';
import { receivedAddress } from './address';
import { ESM_UDHI, type DeliverSmFields } from './deliver-sm';

export interface MoPart {
  /** E.164 with `+` when source_addr_ton is international, else as received. */
  from: string;
  /** The same rule, by dest_addr_ton. */
  to: string;
  text: string;
  /** Present when the part belongs to a concatenated message. */
  concat?: { reference: number; total: number; sequence: number };
}

/**
 * The user data is short_message, or message_payload when short_message is empty (SMPP 3.4
 * §5.3.2.32: an SMSC uses one or the other); esm_class UDHI says either starts with a UDH.
 * The concatenation comes from the UDH (8- or 16-bit reference), else from the sar_* TLVs. As
 * TS 23.040 §9.2.3.24.1 has a receiver do with the UDH IE, SAR values that cannot be right (a
 * total of 0, a sequence outside 1..total) are ignored and the part is taken as a whole message.
 *
 * Throws USER_DATA_INVALID naming the field at fault (short_message, message_payload,
 * data_coding) when the data does not decode as data_coding and the UDH say.
 */
export function moPartFromDeliverSm(pdu: DeliverSmFields): MoPart {
  const payload = pdu.short_message.length === 0 ? pdu.message_payload : undefined;
  const decoded =
    payload === undefined ? decode(pdu.short_message, pdu, 'short_message') : decode(payload, pdu, 'message_payload');
  const part: MoPart = {
    from: receivedAddress(pdu.source_addr, pdu.source_addr_ton),
    to: receivedAddress(pdu.destination_addr, pdu.dest_addr_ton),
    text: decoded.text,
  };
  const concat = decoded.header?.concat ?? sarConcat(pdu);
  if (concat !== undefined) part.concat = { reference: concat.reference, total: concat.total, sequence: concat.sequence };
  return part;
}

function decode(data: Buffer, pdu: DeliverSmFields, field: string): DecodedUserData {
  try {
    return decodeUserData(data, { dataCoding: pdu.data_coding, udhi: (pdu.esm_class & ESM_UDHI) !== 0 });
  } catch (err) {
    if (!isSmsGateError(err)) throw err;
    // The decoder names its own option `dataCoding`; here it is a field received, not an option.
    const at = err.field === 'dataCoding' ? 'data_coding' : field;
    throw new SmsGateError('USER_DATA_INVALID', `deliver_sm ${at}: ${err.message}`, { field: at, cause: err });
  }
}

function sarConcat(pdu: DeliverSmFields): MoPart['concat'] {
  const { sar_msg_ref_num: reference, sar_total_segments: total, sar_segment_seqnum: sequence } = pdu;
  if (reference === undefined || total === undefined || sequence === undefined) return undefined;
  if (total === 0 || sequence === 0 || sequence > total) return undefined;
  return { reference, total, sequence };
}
