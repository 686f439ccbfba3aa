/** A submit_sm as the simulator records it: the PDU's fields plus its text, decoded by src/encoding. */
import { decodeUserData } from '../../encoding';
import type { ShortMessagePdu, Tlv } from './pdu';
import { ESM_CLASS, TLV } from './protocol';

export interface Concatenation {
  reference: number;
  total: number;
  sequence: number;
  /** Where the concatenation came: a UDH information element or the SAR TLVs. */
  via: 'udh' | 'sar';
}

export interface ReceivedSubmit extends ShortMessagePdu {
  /** Null unless the submit was accepted (command_status 0). */
  messageId: string | null;
  /** The command_status it was answered with; null when it got no answer (withheld, dropped, malformed). */
  commandStatus: number | null;
  sessionId: number;
  systemId: string;
  /** The UDH octets, UDHL included, when esm_class has UDHI. */
  udh?: Buffer;
  /** The text, without UDH; null when the octets are not valid text in the data_coding given. */
  text: string | null;
  concat?: Concatenation;
  receivedAt: Date;
}

/** The decoded parts of a submit_sm: its user data (short_message, or message_payload when that is empty). */
export function describeUserData(pdu: ShortMessagePdu): Pick<ReceivedSubmit, 'udh' | 'text' | 'concat'> {
  const payload = tlvValue(pdu.tlvs, TLV.message_payload);
  const userData = pdu.shortMessage.length === 0 && payload !== undefined ? payload : pdu.shortMessage;
  const udhi = (pdu.esmClass & ESM_CLASS.UDHI) !== 0;
  const described: Pick<ReceivedSubmit, 'udh' | 'text' | 'concat'> = { text: null };
  if (udhi && userData.length > 0 && userData[0]! < userData.length) {
    described.udh = Buffer.from(userData.subarray(0, 1 + userData[0]!));
  }
  try {
    const decoded = decodeUserData(userData, { dataCoding: pdu.dataCoding, udhi });
    described.text = decoded.text;
    const udhConcat = decoded.header?.concat;
    if (udhConcat) {
      described.concat = { reference: udhConcat.reference, total: udhConcat.total, sequence: udhConcat.sequence, via: 'udh' };
    }
  } catch {
    // Recorded as received: a test can look at shortMessage to see what was wrong with it.
  }
  const sar = sarConcatenation(pdu.tlvs);
  if (described.concat === undefined && sar !== undefined) described.concat = sar;
  return described;
}

function sarConcatenation(tlvs: Tlv[]): Concatenation | undefined {
  const reference = tlvValue(tlvs, TLV.sar_msg_ref_num);
  const total = tlvValue(tlvs, TLV.sar_total_segments);
  const sequence = tlvValue(tlvs, TLV.sar_segment_seqnum);
  if (reference?.length !== 2 || total?.length !== 1 || sequence?.length !== 1) return undefined;
  return { reference: reference.readUInt16BE(0), total: total[0]!, sequence: sequence[0]!, via: 'sar' };
}

function tlvValue(tlvs: Tlv[], tag: number): Buffer | undefined {
  return tlvs.find((tlv) => tlv.tag === tag)?.value;
}
