/**
 * decodeUserData: the text (and UDH) in the user data of a received message, from SMPP
 * (short_message or message_payload: GSM7 septets one per octet) or from a modem PDU (TP-UD: GSM7
 * packed per TS 23.040, with fill bits after the UDH).
 *
 * 8-bit binary data (data coding 2, 4, 0xF4, ...) comes back as Latin-1 text, one character per
 * octet: lossless, and `Buffer.from(text, 'latin1')` gives the octets back.
 *
 * Anything malformed raises an SmsGateError naming the offset and value at fault: USER_DATA_INVALID
 * for the data, OPTION_INVALID for the options. No other exception escapes, whatever the bytes.
 */
import { udhSeptets, fillBits } from './capacity';
import { alphabetOf } from './dcs';
import { checkInteger, hexByte, invalidOption, undecodable } from './encoding-errors';
import { gsm7Charset } from './gsm7-charset';
import { unpackSeptets } from './septets';
import type { UserDataHeader } from './types';
import { parseUdh } from './udh';

export interface DecodeOptions {
  /** SMPP data_coding or TS 23.038 DCS (see dcs.ts). */
  dataCoding: number;
  /** The UDH indicator (TP-UDHI, or esm_class bit 6 in SMPP): the data starts with a UDH. */
  udhi: boolean;
  /** GSM7 only: the septets are packed as in a modem PDU. Default false (SMPP: one septet per octet). */
  packed?: boolean;
  /** Packed GSM7 only, and then required: TP-UDL, the septets of the user data including the UDH and its fill bits. */
  septetCount?: number;
}

export interface DecodedUserData {
  text: string;
  /** Present when `udhi` is set. */
  header?: UserDataHeader;
}

export function decodeUserData(data: Buffer, options: DecodeOptions): DecodedUserData {
  if (!Buffer.isBuffer(data)) throw invalidOption('data', 'the user data must be a Buffer');
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'decode options are required');
  const alphabet = alphabetOf(options.dataCoding);
  const parsed = options.udhi === true ? parseUdh(data) : undefined;
  const headerLength = parsed?.length ?? 0;
  const body = data.subarray(headerLength);
  const header = parsed?.header;

  let text: string;
  switch (alphabet) {
    case 'GSM7': {
      const charset = gsm7Charset({ locking: header?.lockingShift, single: header?.singleShift });
      text = options.packed === true
        ? charset.decode(unpackText(body, headerLength, options.septetCount))
        : charset.decode(body, headerLength);
      break;
    }
    case 'UCS2':
      if (body.length % 2 !== 0) {
        throw undecodable('userData', `UCS-2 text must be an even number of octets, got ${body.length} after the UDH`);
      }
      // swap16 works in place: copy first so the caller's buffer is left alone.
      text = Buffer.from(body).swap16().toString('utf16le');
      break;
    case 'ASCII': {
      const offending = body.findIndex((octet) => octet > 0x7f);
      if (offending >= 0) {
        const where = `at offset ${headerLength + offending}`;
        throw undecodable('userData', `byte ${hexByte(body[offending])} ${where} is not ASCII (IA5)`);
      }
      text = body.toString('latin1');
      break;
    }
    case 'LATIN1':
    case 'BINARY':
      text = body.toString('latin1');
      break;
  }
  return header === undefined ? { text } : { text, header };
}

/** The text septets of packed user data: TP-UDL counts the UDH septets (fill bits included) too. */
function unpackText(body: Buffer, headerLength: number, septetCount: number | undefined): Buffer {
  if (septetCount === undefined) {
    // Without it, 7 spare bits at the end of the last octet would read as one more septet ('@').
    throw invalidOption('septetCount', 'septetCount (TP-UDL) is required to decode packed GSM7');
  }
  checkInteger('septetCount', septetCount, 0, 0xffff);
  const headerSeptets = headerLength === 0 ? 0 : udhSeptets(headerLength);
  if (septetCount < headerSeptets) {
    const message = `septetCount ${septetCount} is less than the ${headerSeptets} septets the UDH occupies`;
    throw undecodable('userData', message);
  }
  return unpackSeptets(body, septetCount - headerSeptets, headerLength === 0 ? 0 : fillBits(headerLength));
}
