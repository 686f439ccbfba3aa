/**
 * Address fields (TS 23.040 §9.1.2.5): TP-DA, TP-OA, TP-RA, and the SMSC address a modem puts
 * before the TPDU (TS 24.011 RP address, as TS 27.005 §3.1 <pdu> carries it).
 *
 * Both are a length, a type-of-address octet (1, type of number in bits 6-4, numbering plan in
 * bits 3-0) and the value: digits as swapped semi-octets with an F filling the last octet, or,
 * for an alphanumeric address, GSM 7-bit septets packed as in user data. The two differ in what
 * the length counts: the TP address fields count the useful semi-octets, the SMSC field the octets
 * that follow it (type-of-address included), so `00` means "no SMSC here, use the SIM's".
 */
import { hexByte, invalidOption } from '../../encoding/encoding-errors';
import { gsm7Charset } from '../../encoding/gsm7-charset';
import { packSeptets, unpackSeptets } from '../../encoding/septets';
import { asPduError, pduError, PduReader } from './octets';

/** TS 23.040 §9.1.2.5 type of number, by name. */
export type AddressType =
  | 'international'
  | 'national'
  | 'unknown'
  | 'alphanumeric'
  | 'network-specific'
  | 'subscriber'
  | 'abbreviated';

export interface PduAddress {
  type: AddressType;
  /**
   * International: '+' and digits ('+447700900123'). Alphanumeric: the text. Others: the digits
   * (may include * # a b c).
   */
  value: string;
}

/** Type of number, by its 3-bit value; 0b111 is reserved for extension. */
const TYPES_OF_NUMBER: readonly (AddressType | undefined)[] = [
  'unknown',
  'international',
  'national',
  'network-specific',
  'subscriber',
  'alphanumeric',
  'abbreviated',
  undefined,
];

/**
 * §9.1.2.5: the numbering plan applies to types unknown, international and national only; for
 * those we say ISDN/E.164 (1), as every handset does (0x81, 0x91, 0xA1). For the others the bits
 * are sent as 0000 (alphanumeric requires it).
 */
const E164_PLAN = 0b0001;
const PLANNED_TYPES: ReadonlySet<AddressType> = new Set(['unknown', 'international', 'national']);

/** §9.1.2.5: an address value is at most 10 octets, 20 semi-octets. */
const MAX_SEMI_OCTETS = 20;
/** 11 septets (77 bits) are what fit in 10 octets. */
const MAX_ALPHANUMERIC_SEPTETS = 11;

/** Semi-octet values 0xA-0xE of a number (TS 24.008 §10.5.4.7 called party BCD number); 0xF fills. */
const DIGITS = '0123456789*#abc';
const FILL = 0xf;

export function encodeAddress(address: PduAddress, field: string): Buffer {
  const { type, value } = checkAddress(address, field);
  const typeOfAddress = 0x80 | (TYPES_OF_NUMBER.indexOf(type) << 4) | (PLANNED_TYPES.has(type) ? E164_PLAN : 0);
  if (type === 'alphanumeric') {
    const septets = alphanumericSeptets(value, field);
    const packed = packSeptets(septets);
    return Buffer.concat([Buffer.from([Math.ceil((septets.length * 7) / 4), typeOfAddress]), packed]);
  }
  const digits = checkDigits(type === 'international' ? value.replace(/^\+/, '') : value, field);
  return Buffer.concat([Buffer.from([digits.length, typeOfAddress]), semiOctets(digits)]);
}

/** The SMSC address field; `undefined` gives `00`: the modem then uses the SMSC stored on the SIM. */
export function encodeSmscAddress(smsc: string | undefined): Buffer {
  if (smsc === undefined) return Buffer.from([0]);
  if (typeof smsc !== 'string') throw invalidOption('smsc', `the SMSC address must be a string, got ${typeof smsc}`);
  const international = smsc.startsWith('+');
  const digits = checkDigits(international ? smsc.slice(1) : smsc, 'smsc');
  const typeOfAddress = international ? 0x91 : 0x81;
  const value = semiOctets(digits);
  return Buffer.concat([Buffer.from([1 + value.length, typeOfAddress]), value]);
}

/** Reads TP-DA / TP-OA / TP-RA. */
export function readAddress(reader: PduReader, field: string): PduAddress {
  const start = reader.offset;
  const length = reader.octet(`${field} length`);
  if (length > MAX_SEMI_OCTETS) {
    const message = `the address length ${length} exceeds the ${MAX_SEMI_OCTETS} semi-octets an address can have`;
    throw pduError(field, start, message);
  }
  const typeOfAddress = reader.octet(`${field} type of address`);
  const type = typeOfNumber(typeOfAddress, field, start + 1);
  const valueOffset = reader.offset;
  const octets = reader.take(Math.ceil(length / 2), field);
  if (type === 'alphanumeric') {
    return { type, value: decodeAlphanumeric(octets, Math.floor((length * 4) / 7), field, valueOffset) };
  }
  const digits = readDigits(octets, length, field, valueOffset);
  return { type, value: type === 'international' ? `+${digits}` : digits };
}

/** Reads the SMSC address field: null when its length is 0 (no SMSC given) or it carries no digits. */
export function readSmscAddress(reader: PduReader): string | null {
  const field = 'SMSC address';
  const length = reader.octet(`${field} length`);
  if (length === 0) return null;
  const typeOfAddress = reader.octet(`${field} type of address`);
  const type = typeOfNumber(typeOfAddress, field, 1);
  const octets = reader.take(length - 1, field);
  if (octets.length === 0) return null;
  if (type === 'alphanumeric') return decodeAlphanumeric(octets, Math.floor((octets.length * 8) / 7), field, 2);
  // The last semi-octet is F when the number has an odd count of digits.
  const count = (octets[octets.length - 1] >> 4) === FILL ? octets.length * 2 - 1 : octets.length * 2;
  const digits = readDigits(octets, count, field, 2);
  return type === 'international' ? `+${digits}` : digits;
}

function typeOfNumber(typeOfAddress: number, field: string, offset: number): AddressType {
  // Bit 7 is always 1; it is not checked, as some equipment sends it clear and means the same.
  const type = TYPES_OF_NUMBER[(typeOfAddress >> 4) & 0b111];
  if (type === undefined) {
    throw pduError(field, offset, `type of address ${hexByte(typeOfAddress)} has the reserved type of number 111`);
  }
  return type;
}

function readDigits(octets: Buffer, count: number, field: string, offset: number): string {
  let digits = '';
  for (let index = 0; index < count; index++) {
    const octet = octets[index >> 1];
    const nibble = index % 2 === 0 ? octet & 0x0f : octet >> 4;
    // Some equipment counts the fill F in the length: a last semi-octet F ends the number.
    if (nibble === FILL && index === count - 1) break;
    if (nibble === FILL) {
      throw pduError(field, offset + (index >> 1), `semi-octet ${index} is the fill F, inside a ${count}-digit number`);
    }
    digits += DIGITS[nibble];
  }
  return digits;
}

function decodeAlphanumeric(octets: Buffer, septetCount: number, field: string, offset: number): string {
  return asPduError(field, offset, () => gsm7Charset().decode(unpackSeptets(octets, septetCount)));
}

/** Digits as swapped semi-octets, the first digit in the low nibble, F after an odd last digit. */
function semiOctets(digits: string): Buffer {
  const octets = Buffer.alloc(Math.ceil(digits.length / 2), 0xff);
  [...digits].forEach((digit, index) => {
    const nibble = DIGITS.indexOf(digit);
    const octet = index >> 1;
    octets[octet] = index % 2 === 0 ? (octets[octet] & 0xf0) | nibble : (octets[octet] & 0x0f) | (nibble << 4);
  });
  return octets;
}

function checkAddress(address: PduAddress, field: string): PduAddress {
  if (typeof address !== 'object' || address === null) throw invalidOption(field, `${field} must be an address object`);
  const { type, value } = address;
  if (typeof type !== 'string' || !TYPES_OF_NUMBER.includes(type)) {
    throw invalidOption(field, `${field} has the unknown type of number ${String(type)}`);
  }
  if (typeof value !== 'string' || value.length === 0) throw invalidOption(field, `${field} has no value`);
  return { type, value };
}

function checkDigits(text: string, field: string): string {
  const digits = text.toLowerCase();
  if (digits.length === 0) throw invalidOption(field, `${field} has no digits`);
  if (!/^[0-9*#abc]+$/.test(digits)) {
    const message = `${field} '${text}' may hold only digits, * # a b c (and a leading + when international)`;
    throw invalidOption(field, message);
  }
  if (digits.length > MAX_SEMI_OCTETS) {
    const message = `${field} has ${digits.length} digits, more than the ${MAX_SEMI_OCTETS} an address can hold`;
    throw invalidOption(field, message);
  }
  return digits;
}

function alphanumericSeptets(text: string, field: string): Buffer {
  const charset = gsm7Charset();
  const septets: number[] = [];
  for (const character of text) {
    const codePoint = character.codePointAt(0) as number;
    if (charset.cost(codePoint) === 0) {
      throw invalidOption(field, `${field} '${text}': '${character}' is not in the GSM 7-bit alphabet`);
    }
    charset.write(codePoint, septets);
  }
  if (septets.length > MAX_ALPHANUMERIC_SEPTETS) {
    const limit = MAX_ALPHANUMERIC_SEPTETS;
    const message = `${field} '${text}' needs ${septets.length} septets, more than the ${limit} that fit`;
    throw invalidOption(field, message);
  }
  return Buffer.from(septets);
}

