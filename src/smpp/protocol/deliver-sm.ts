/**
 * deliver_sm (SMPP 3.4 §4.6.1) as the receipt and MO decoders read it: the fields under the names
 * the `smpp` package gives them, with short_message and message_payload as the octets received.
 *
 * The `smpp` package (0.5.1, lib/defs.js `filters.message.decode`) does not give those octets: it
 * turns short_message and message_payload into `{ udh?: Buffer[], message: string | Buffer }`,
 * and `message` is text it decoded itself whenever it knows `data_coding & 0x0F`:
 * - 0 and 1 through its GSM 03.38 table: septets above 0x7F become ' ', IA5 is read as GSM (so
 *   '_' becomes '§', '$' becomes '¤'), and a national shift IE is applied with the wrong tables
 *   (Turkish, Spanish and Portuguese only, locking and single shift confused);
 * - 3 through iconv Latin-1, 8 through iconv UTF-16BE (a trailing odd octet is dropped);
 * - only the others (2, 4, 0xF4, ...) leave `message` as the raw Buffer.
 * `udh` lists the IEs without the UDHL octet; message_payload is split at a UDH only when
 * short_message is empty. That cannot be undone reliably, so the octets must be kept before the
 * package decodes them: swap `filters.message.decode` for the identity while the package parses
 * (src/smpp/link.ts does so), or wrap the session socket's `read()` (Session reads each PDU with
 * two calls, command_length then the rest) and parse the octets yourself. The TLVs the package
 * decodes as numbers or strings (message_state, sar_*) are lossless, but for one slip: it reads
 * a C-Octet String TLV up to the next NUL, past the TLV's length, so a receipted_message_id sent
 * without its NUL (some SMSCs do) runs into the next TLV; see deliverSmFields.
 *
 * Sending is not affected: a Buffer given as short_message or message_payload goes out untouched.
 */
import { SmsGateError } from '../../errors';

/** The esm_class bit that says short_message (or message_payload) starts with a UDH (§5.2.12). */
export const ESM_UDHI = 0x40;

export interface DeliverSmFields {
  source_addr_ton: number;
  source_addr_npi: number;
  source_addr: string;
  dest_addr_ton: number;
  dest_addr_npi: number;
  destination_addr: string;
  esm_class: number;
  data_coding: number;
  /** The octets as received, the UDH included when esm_class has UDHI. */
  short_message: Buffer;
  /** TLV 0x0424, the octets as received. */
  message_payload?: Buffer;
  /** TLV 0x001E, without its NUL. */
  receipted_message_id?: string;
  /** TLV 0x0427 (§5.3.2.35). */
  message_state?: number;
  /** TLV 0x0423: network type, then a 2-octet error code (§5.3.2.31). */
  network_error_code?: Buffer;
  /** TLVs 0x020C, 0x020E, 0x020F: concatenation without a UDH (§5.3.2.22-24). */
  sar_msg_ref_num?: number;
  sar_total_segments?: number;
  sar_segment_seqnum?: number;
}

const OPTIONAL_INTEGERS = ['message_state', 'sar_msg_ref_num', 'sar_total_segments', 'sar_segment_seqnum'] as const;
const OPTIONAL_BUFFERS = ['message_payload', 'network_error_code'] as const;

/**
 * The fields of a deliver_sm the `smpp` package parsed (with user data kept raw, see above),
 * checked. A data_sm (§4.7.1: the same fields, its user data in message_payload only) reads with
 * an empty short_message. Throws USER_DATA_INVALID naming the field that is missing or of the
 * wrong kind, as short_message is when the package was left to decode it.
 */
export function deliverSmFields(pdu: Readonly<Record<string, unknown>>): DeliverSmFields {
  const field = <T>(name: string, ok: (value: unknown) => value is T, kind: string): T => {
    const value = pdu[name];
    if (ok(value)) return value;
    const decoded = typeof value === 'object' && value !== null && 'message' in value;
    const why = decoded ? ' (the smpp package decoded it: keep the raw octets)' : '';
    throw new SmsGateError('USER_DATA_INVALID', `deliver_sm: ${name} must be ${kind}${why}`, { field: name });
  };
  const integer = (name: string) => field(name, isInteger, 'an integer');
  const string = (name: string) => field(name, isString, 'a string');
  const buffer = (name: string) => field(name, Buffer.isBuffer, 'a Buffer');
  const fields: DeliverSmFields = {
    source_addr_ton: integer('source_addr_ton'),
    source_addr_npi: integer('source_addr_npi'),
    source_addr: string('source_addr'),
    dest_addr_ton: integer('dest_addr_ton'),
    dest_addr_npi: integer('dest_addr_npi'),
    destination_addr: string('destination_addr'),
    esm_class: integer('esm_class'),
    data_coding: integer('data_coding'),
    short_message: pdu.command === 'data_sm' ? Buffer.alloc(0) : buffer('short_message'),
  };
  for (const name of OPTIONAL_INTEGERS) if (pdu[name] !== undefined) fields[name] = integer(name);
  for (const name of OPTIONAL_BUFFERS) if (pdu[name] !== undefined) fields[name] = buffer(name);
  if (pdu.receipted_message_id !== undefined) {
    // Message ids are printable ASCII; the tag of a TLV the package read into starts with an
    // octet below 0x20 (0x00-0x06, 0x12, 0x13 for those of SMPP 3.4).
    fields.receipted_message_id = string('receipted_message_id').replace(/[\x00-\x1f][\s\S]*$/, '');
  }
  return fields;
}

function isInteger(value: unknown): value is number {
  return Number.isInteger(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}
