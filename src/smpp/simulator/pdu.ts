/**
 * SMPP 3.4 PDUs as octets: framing a TCP stream into PDUs, and the bodies the simulator reads
 * (binds, submit_sm) and writes (bind responses, submit_sm_resp, deliver_sm).
 *
 * The simulator does its own framing rather than using the `smpp` package's Session: it has to
 * keep short_message as the exact octets received (that package decodes text with known charset
 * and UDH bugs), and it must survive any bytes a client sends (that package's parser stalls after
 * its first error). Tests talk to it with the `smpp` package, so the two implementations check
 * each other.
 */
import { SmsGateError } from '../../errors';
import { HEADER_LENGTH, MAX_COMMAND_LENGTH } from './protocol';

export interface Pdu {
  commandId: number;
  commandStatus: number;
  sequenceNumber: number;
  /** Everything after the 16-octet header. */
  body: Buffer;
}

/** An optional parameter (TLV), its value as received. */
export interface Tlv {
  tag: number;
  value: Buffer;
}

export interface Address {
  addr: string;
  ton: number;
  npi: number;
}

/** A PDU the simulator cannot make sense of; `field` names the part at fault. */
function protocolError(field: string, message: string): SmsGateError {
  return new SmsGateError('TRANSPORT_PERMANENT', message, { field });
}

/** Cuts a byte stream into PDUs by their command_length. */
export class PduFramer {
  private buffered: Buffer = Buffer.alloc(0);

  /** The PDUs completed by `chunk`. Throws when a header announces a length no PDU can have. */
  push(chunk: Buffer): Pdu[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const pdus: Pdu[] = [];
    while (this.buffered.length >= 4) {
      const commandLength = this.buffered.readUInt32BE(0);
      if (commandLength < HEADER_LENGTH) {
        throw protocolError('command_length', `command_length ${commandLength} is shorter than the 16-octet header`);
      }
      if (commandLength > MAX_COMMAND_LENGTH) {
        throw protocolError('command_length', `command_length ${commandLength} exceeds ${MAX_COMMAND_LENGTH} octets`);
      }
      if (this.buffered.length < commandLength) break;
      const pdu = this.buffered.subarray(0, commandLength);
      this.buffered = this.buffered.subarray(commandLength);
      pdus.push({
        commandId: pdu.readUInt32BE(4),
        commandStatus: pdu.readUInt32BE(8),
        sequenceNumber: pdu.readUInt32BE(12),
        body: pdu.subarray(HEADER_LENGTH),
      });
    }
    return pdus;
  }
}

export function encodePdu(commandId: number, commandStatus: number, sequenceNumber: number, body?: Buffer): Buffer {
  const length = HEADER_LENGTH + (body?.length ?? 0);
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt32BE(length, 0);
  header.writeUInt32BE(commandId >>> 0, 4);
  header.writeUInt32BE(commandStatus >>> 0, 8);
  header.writeUInt32BE(sequenceNumber >>> 0, 12);
  return body === undefined || body.length === 0 ? header : Buffer.concat([header, body]);
}

/** Reads a PDU body field by field; any field that runs past the body is a protocol error. */
export class BodyReader {
  private offset = 0;

  constructor(
    private readonly body: Buffer,
    private readonly command: string,
  ) {}

  int8(field: string): number {
    this.need(1, field);
    return this.body[this.offset++]!;
  }

  /** A NUL-terminated string. SMPP strings are ASCII; latin1 keeps any stray octet visible. */
  cstring(field: string): string {
    const end = this.body.indexOf(0, this.offset);
    if (end < 0) throw protocolError(field, `${this.command}: ${field} has no terminating NUL`);
    const value = this.body.toString('latin1', this.offset, end);
    this.offset = end + 1;
    return value;
  }

  octets(length: number, field: string): Buffer {
    this.need(length, field);
    const value = Buffer.from(this.body.subarray(this.offset, this.offset + length));
    this.offset += length;
    return value;
  }

  /** The optional parameters that make up the rest of the body. */
  tlvs(): Tlv[] {
    const tlvs: Tlv[] = [];
    while (this.offset < this.body.length) {
      this.need(4, 'tlv');
      const tag = this.body.readUInt16BE(this.offset);
      const length = this.body.readUInt16BE(this.offset + 2);
      this.offset += 4;
      tlvs.push({ tag, value: this.octets(length, `TLV 0x${tag.toString(16).padStart(4, '0')}`) });
    }
    return tlvs;
  }

  private need(octets: number, field: string): void {
    if (this.offset + octets > this.body.length) {
      throw protocolError(field, `${this.command}: ${field} runs past the end of the PDU`);
    }
  }
}

/** Builds a PDU body field by field. */
export class BodyWriter {
  private readonly parts: Buffer[] = [];

  int8(value: number): this {
    this.parts.push(Buffer.from([value & 0xff]));
    return this;
  }

  cstring(value: string): this {
    this.parts.push(Buffer.from(value, 'latin1'), Buffer.from([0]));
    return this;
  }

  octets(value: Buffer): this {
    this.parts.push(value);
    return this;
  }

  tlv(tlv: Tlv): this {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(tlv.tag, 0);
    head.writeUInt16BE(tlv.value.length, 2);
    this.parts.push(head, tlv.value);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function int8Tlv(tag: number, value: number): Tlv {
  return { tag, value: Buffer.from([value]) };
}

export function int16Tlv(tag: number, value: number): Tlv {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value, 0);
  return { tag, value: buffer };
}

export function cstringTlv(tag: number, value: string): Tlv {
  return { tag, value: Buffer.from(`${value}\0`, 'latin1') };
}

/** bind_transmitter, bind_receiver and bind_transceiver share this body (§4.1). */
export interface BindRequest {
  systemId: string;
  password: string;
  systemType: string;
  interfaceVersion: number;
}

export function decodeBind(body: Buffer, command: string): BindRequest {
  const reader = new BodyReader(body, command);
  const request = {
    systemId: reader.cstring('system_id'),
    password: reader.cstring('password'),
    systemType: reader.cstring('system_type'),
    interfaceVersion: reader.int8('interface_version'),
  };
  // addr_ton, addr_npi and address_range only matter to routing the simulator does not do.
  reader.int8('addr_ton');
  reader.int8('addr_npi');
  reader.cstring('address_range');
  return request;
}

/**
 * submit_sm and deliver_sm have the same body (§4.4.1, §4.6.1); the fields the simulator never
 * varies (service_type, protocol_id, priority, schedule and validity times, replace flag, default
 * message id) are read and kept, and written as their defaults.
 */
export interface ShortMessagePdu {
  serviceType: string;
  source: Address;
  destination: Address;
  esmClass: number;
  protocolId: number;
  priorityFlag: number;
  scheduleDeliveryTime: string;
  validityPeriod: string;
  registeredDelivery: number;
  dataCoding: number;
  /** The octets as sent: a UDH first when esm_class has UDHI. */
  shortMessage: Buffer;
  tlvs: Tlv[];
}

export function decodeShortMessage(body: Buffer, command: string): ShortMessagePdu {
  const reader = new BodyReader(body, command);
  const address = (prefix: string): Address => {
    const ton = reader.int8(`${prefix}_ton`);
    const npi = reader.int8(`${prefix}_npi`);
    return { ton, npi, addr: reader.cstring(prefix === 'dest_addr' ? 'destination_addr' : prefix) };
  };
  const serviceType = reader.cstring('service_type');
  const source = address('source_addr');
  const destination = address('dest_addr');
  const esmClass = reader.int8('esm_class');
  const protocolId = reader.int8('protocol_id');
  const priorityFlag = reader.int8('priority_flag');
  const scheduleDeliveryTime = reader.cstring('schedule_delivery_time');
  const validityPeriod = reader.cstring('validity_period');
  const registeredDelivery = reader.int8('registered_delivery');
  reader.int8('replace_if_present_flag');
  const dataCoding = reader.int8('data_coding');
  reader.int8('sm_default_msg_id');
  const shortMessage = reader.octets(reader.int8('sm_length'), 'short_message');
  return {
    serviceType,
    source,
    destination,
    esmClass,
    protocolId,
    priorityFlag,
    scheduleDeliveryTime,
    validityPeriod,
    registeredDelivery,
    dataCoding,
    shortMessage,
    tlvs: reader.tlvs(),
  };
}

/** What the simulator sets in a deliver_sm; the other fields go out as their defaults. */
export interface DeliverSm {
  source: Address;
  destination: Address;
  esmClass: number;
  dataCoding: number;
  shortMessage: Buffer;
  tlvs: Tlv[];
}

export function encodeDeliverSm(deliver: DeliverSm): Buffer {
  const writer = new BodyWriter()
    .cstring('') // service_type
    .int8(deliver.source.ton)
    .int8(deliver.source.npi)
    .cstring(deliver.source.addr)
    .int8(deliver.destination.ton)
    .int8(deliver.destination.npi)
    .cstring(deliver.destination.addr)
    .int8(deliver.esmClass)
    .int8(0) // protocol_id
    .int8(0) // priority_flag
    .cstring('') // schedule_delivery_time
    .cstring('') // validity_period
    .int8(0) // registered_delivery
    .int8(0) // replace_if_present_flag
    .int8(deliver.dataCoding)
    .int8(0) // sm_default_msg_id
    .int8(deliver.shortMessage.length)
    .octets(deliver.shortMessage);
  for (const tlv of deliver.tlvs) writer.tlv(tlv);
  return writer.toBuffer();
}
