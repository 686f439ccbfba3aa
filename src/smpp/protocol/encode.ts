/**
 * The PDUs sent for every message, encoded here rather than by the `smpp` package: submit_sm,
 * and the deliver_sm_resp (or data_sm_resp) that answers each receipt. The package's PDU
 * constructor and toBuffer walk every field through its generic type and filter tables (for..in
 * over the PDU, two size() calls per field, a closure per TLV): with the socket write, a fifth
 * of the gateway's CPU time per message. The package still numbers the PDU, writes it and
 * matches its response (Session.send uses only isResponse(), sequence_number and toBuffer()),
 * and the octets are its own: the tests hold these encoders to its toBuffer.
 */
import type { SubmitSmFields } from './submit';

const HEADER_LENGTH = 16;
const SUBMIT_SM = 0x00000004;
const RESPONSE = 0x80000000;

/** TLV tags (SMPP 3.4 §5.3.2) of the optional fields a submit_sm of ours may carry. */
const TLV = { SAR_MSG_REF_NUM: 0x020c, SAR_TOTAL_SEGMENTS: 0x020e, SAR_SEGMENT_SEQNUM: 0x020f, MESSAGE_PAYLOAD: 0x0424 };

/** A PDU as `Session.send` takes it, its octets given by `encode` once it has a sequence number. */
export class EncodedPdu {
  sequence_number: number;

  constructor(
    readonly command: string,
    private readonly response: boolean,
    private readonly encode: (sequence: number) => Buffer,
    sequence = 0,
  ) {
    this.sequence_number = sequence;
  }

  isResponse(): boolean {
    return this.response;
  }

  toBuffer(): Buffer {
    return this.encode(this.sequence_number);
  }
}

export function submitSmPdu(fields: SubmitSmFields): EncodedPdu {
  return new EncodedPdu('submit_sm', false, (sequence) => encodeSubmitSm(fields, sequence));
}

/**
 * The response to a request we received (deliver_sm, data_sm): message_id empty, as an ESME
 * gives it; with an error status the header alone, as the package writes it.
 */
export function responsePdu(request: { command: string; command_id: number; sequence_number: number }, commandStatus: number): EncodedPdu {
  const commandId = (request.command_id | RESPONSE) >>> 0;
  return new EncodedPdu(`${request.command}_resp`, true, (sequence) => {
    const buffer = Buffer.alloc(commandStatus === 0 ? HEADER_LENGTH + 1 : HEADER_LENGTH);
    writeHeader(buffer, commandId, commandStatus, sequence);
    return buffer;
  }, request.sequence_number);
}

/** submit_sm (§4.4.1): the mandatory fields in order, then the TLVs present. */
export function encodeSubmitSm(fields: SubmitSmFields, sequence: number): Buffer {
  const { sar_msg_ref_num: sarReference, sar_total_segments: sarTotal, sar_segment_seqnum: sarSequence } = fields;
  const payload = fields.message_payload;
  const length =
    HEADER_LENGTH +
    fields.service_type.length + 1 +
    2 + fields.source_addr.length + 1 +
    2 + fields.destination_addr.length + 1 +
    3 + fields.schedule_delivery_time.length + 1 +
    fields.validity_period.length + 1 +
    4 + 1 + fields.short_message.length +
    (sarReference === undefined ? 0 : 6) +
    (sarTotal === undefined ? 0 : 5) +
    (sarSequence === undefined ? 0 : 5) +
    (payload === undefined ? 0 : 4 + payload.length);
  const buffer = Buffer.allocUnsafe(length);
  writeHeader(buffer, SUBMIT_SM, 0, sequence);
  let at = cstring(buffer, HEADER_LENGTH, fields.service_type);
  at = buffer.writeUInt8(fields.source_addr_ton, at);
  at = buffer.writeUInt8(fields.source_addr_npi, at);
  at = cstring(buffer, at, fields.source_addr);
  at = buffer.writeUInt8(fields.dest_addr_ton, at);
  at = buffer.writeUInt8(fields.dest_addr_npi, at);
  at = cstring(buffer, at, fields.destination_addr);
  at = buffer.writeUInt8(fields.esm_class, at);
  at = buffer.writeUInt8(fields.protocol_id, at);
  at = buffer.writeUInt8(fields.priority_flag, at);
  at = cstring(buffer, at, fields.schedule_delivery_time);
  at = cstring(buffer, at, fields.validity_period);
  at = buffer.writeUInt8(fields.registered_delivery, at);
  at = buffer.writeUInt8(fields.replace_if_present_flag, at);
  at = buffer.writeUInt8(fields.data_coding, at);
  at = buffer.writeUInt8(fields.sm_default_msg_id, at);
  at = buffer.writeUInt8(fields.short_message.length, at);
  at += fields.short_message.copy(buffer, at);
  if (sarReference !== undefined) at = tlv16(buffer, at, TLV.SAR_MSG_REF_NUM, sarReference);
  if (sarTotal !== undefined) at = tlv8(buffer, at, TLV.SAR_TOTAL_SEGMENTS, sarTotal);
  if (sarSequence !== undefined) at = tlv8(buffer, at, TLV.SAR_SEGMENT_SEQNUM, sarSequence);
  if (payload !== undefined) {
    at = buffer.writeUInt16BE(payload.length, buffer.writeUInt16BE(TLV.MESSAGE_PAYLOAD, at));
    payload.copy(buffer, at);
  }
  return buffer;
}

function writeHeader(buffer: Buffer, commandId: number, commandStatus: number, sequence: number): void {
  buffer.writeUInt32BE(buffer.length, 0);
  buffer.writeUInt32BE(commandId, 4);
  buffer.writeUInt32BE(commandStatus, 8);
  buffer.writeUInt32BE(sequence, 12);
}

/** A C-Octet String: one octet per character (as the package writes them), then NUL. */
function cstring(buffer: Buffer, at: number, value: string): number {
  const end = at + buffer.write(value, at, 'latin1');
  buffer[end] = 0;
  return end + 1;
}

function tlv16(buffer: Buffer, at: number, tag: number, value: number): number {
  return buffer.writeUInt16BE(value, buffer.writeUInt16BE(2, buffer.writeUInt16BE(tag, at)));
}

function tlv8(buffer: Buffer, at: number, tag: number, value: number): number {
  return buffer.writeUInt8(value, buffer.writeUInt16BE(1, buffer.writeUInt16BE(tag, at)));
}
