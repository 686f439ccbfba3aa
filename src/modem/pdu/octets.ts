/**
 * A PDU as octets. Going out: the SMSC address field and the TPDU joined into the hex a modem
 * takes. Coming in: hex to octets, and a cursor that knows which TS 23.040 field it is reading,
 * so every complaint names the field and the octet offset at fault.
 *
 * Offsets count from the first octet of the PDU as the modem printed it (the SMSC address length
 * octet is offset 0), because that is the string a person will be looking at.
 */
import { SmsGateError } from '../../errors';
import { describeCodePoint, hexByte } from '../../encoding/encoding-errors';

export interface SubmitPdu {
  /** Upper-case hex of the whole PDU, SMSC address included: what follows AT+CMGS=<n>\r and the '> ' prompt. */
  hex: string;
  /** Octets after the SMSC address field: the <length> of AT+CMGS=<length>. */
  tpduLength: number;
}

/** The PDU as a modem takes and prints it: the SMSC field, the TPDU, and the TPDU's length. */
export function assemble(smsc: Buffer, tpdu: Buffer): SubmitPdu {
  return { hex: Buffer.concat([smsc, tpdu]).toString('hex').toUpperCase(), tpduLength: tpdu.length };
}

/** Received bytes that do not decode: the only error a decoder lets out. */
export function pduError(field: string, offset: number, message: string): SmsGateError {
  return new SmsGateError('USER_DATA_INVALID', `${field} at octet ${offset}: ${message}`, { field });
}

/** Parses the hex of a PDU: case-insensitive, whitespace around it tolerated (modems end lines with \r\n). */
export function parseHex(hex: unknown): Buffer {
  if (typeof hex !== 'string') throw notHex(`the PDU must be a hex string, got ${typeof hex}`);
  const trimmed = hex.trim();
  if (trimmed.length === 0) throw notHex('the PDU is empty');
  const bad = trimmed.search(/[^0-9a-fA-F]/);
  if (bad >= 0) {
    throw notHex(`the PDU is not hex: ${describeCodePoint(trimmed.codePointAt(bad) as number)} at character ${bad}`);
  }
  if (trimmed.length % 2 !== 0) {
    throw notHex(`the PDU has ${trimmed.length} hex digits, an odd number: its last octet is cut in half`);
  }
  return Buffer.from(trimmed, 'hex');
}

function notHex(message: string): SmsGateError {
  return new SmsGateError('USER_DATA_INVALID', message, { field: 'pdu' });
}

export class PduReader {
  private position = 0;

  constructor(private readonly octets: Buffer) {}

  get offset(): number {
    return this.position;
  }

  get remaining(): number {
    return this.octets.length - this.position;
  }

  octet(field: string): number {
    return this.take(1, field)[0];
  }

  take(count: number, field: string): Buffer {
    if (count > this.remaining) {
      const has = this.remaining === 0 ? 'the PDU ends there' : `only ${this.remaining} remain`;
      throw pduError(field, this.position, `needs ${count} octet${count === 1 ? '' : 's'}, ${has}`);
    }
    const slice = this.octets.subarray(this.position, this.position + count);
    this.position += count;
    return slice;
  }

  /** Nothing may follow the last field: extra octets mean the PDU is not what its header says. */
  expectEnd(after: string): void {
    if (this.remaining > 0) {
      const first = hexByte(this.octets[this.position]);
      const message = `${this.remaining} unexpected octet(s) after ${after}, starting with ${first}`;
      throw pduError(after, this.position, message);
    }
  }
}

/**
 * Core functions (decodeUserData, unpackSeptets, ...) report bad input as SmsGateErrors of their
 * own; inside a decoder any of them means the received bytes are at fault, so they are re-raised
 * as USER_DATA_INVALID naming the PDU field and offset.
 */
export function asPduError<T>(field: string, offset: number, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof SmsGateError) throw pduError(field, offset, error.message);
    throw error;
  }
}

/** The `<length>` a modem gives with a PDU (AT+CMGS=<n>, +CMT: ,<n>) must match the TPDU it comes with. */
export function checkTpduLength(tpduLength: unknown, actual: number, smscOctets: number): void {
  if (tpduLength === undefined) return;
  if (typeof tpduLength !== 'number' || !Number.isInteger(tpduLength) || tpduLength < 0) {
    const message = `the TPDU length must be a count of octets, got ${String(tpduLength)}`;
    throw new SmsGateError('USER_DATA_INVALID', message, { field: 'tpduLength' });
  }
  if (tpduLength !== actual) {
    throw new SmsGateError(
      'USER_DATA_INVALID',
      `the TPDU length given is ${tpduLength}, but ${actual} octets follow the ${smscOctets}-octet SMSC address field`,
      { field: 'tpduLength' },
    );
  }
}
