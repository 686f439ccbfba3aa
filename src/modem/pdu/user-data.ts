/**
 * TP-DCS, TP-UDL and TP-UD (TS 23.040 §9.2.3.16, §9.2.3.24) as SMS-SUBMIT and SMS-DELIVER share
 * them. GSM7 text is packed 7 bits a character; after a UDH, fill bits pad the header to a septet
 * boundary so the text can be unpacked without it, and TP-UDL counts septets, header and fill
 * included. UCS-2 and 8-bit data are octets, and TP-UDL counts octets.
 */
import type { Segment, UserDataHeader } from '../../encoding';
import { fillBits, udhSeptets, USER_DATA_OCTETS } from '../../encoding/capacity';
import { alphabetOf } from '../../encoding/dcs';
import { decodeUserData } from '../../encoding/decode';
import { invalidOption } from '../../encoding/encoding-errors';
import { packSeptets } from '../../encoding/septets';
import { asPduError, pduError, PduReader } from './octets';

/** What TS 23.038 lets a PDU say: the core's dcs.ts also reads SMPP alphabets, which a PDU has not. */
type PduAlphabet = 'GSM7' | 'UCS2' | 'BINARY';

const MAX_SEPTETS = (USER_DATA_OCTETS * 8) / 7;

/**
 * The alphabet of a TP-DCS. Below 0x10 the value is TS 23.038's general group with bits 1-0
 * meaningless (no class without bit 4), so only bits 3-2 count; the core reads 0x01-0x03 as
 * SMPP's IA5/binary/Latin-1, which is why they are masked off before asking it.
 */
export function pduAlphabet(dataCoding: number): PduAlphabet {
  return alphabetOf(coreDataCoding(dataCoding)) as PduAlphabet;
}

function coreDataCoding(dataCoding: number): number {
  return dataCoding < 0x10 ? dataCoding & 0x0c : dataCoding;
}

export interface EncodedUserData {
  udhi: boolean;
  /** TP-UDL, TP-UD */
  octets: Buffer;
}

export function encodeUserData(dataCoding: number, segment: Pick<Segment, 'udh' | 'payload'>): EncodedUserData {
  const alphabet = pduAlphabet(dataCoding);
  const isSegment = typeof segment === 'object' && segment !== null && Buffer.isBuffer(segment.udh);
  if (!isSegment || !Buffer.isBuffer(segment.payload)) {
    throw invalidOption('segment', 'segment must have Buffers udh and payload, as encodeMessage gives them');
  }
  const { udh, payload } = segment;
  if (udh.length > 0 && udh[0] !== udh.length - 1) {
    throw invalidOption('segment', `the UDH is ${udh.length} octets, its UDHL octet says ${udh[0]} + 1`);
  }
  if (alphabet === 'GSM7') {
    const headerSeptets = udh.length === 0 ? 0 : udhSeptets(udh.length);
    const length = headerSeptets + payload.length;
    if (length > MAX_SEPTETS) {
      const message = `the user data is ${length} septets with the UDH, more than the ${MAX_SEPTETS} of one PDU`;
      throw invalidOption('segment', message);
    }
    const text = packSeptets(payload, udh.length === 0 ? 0 : fillBits(udh.length));
    return { udhi: udh.length > 0, octets: Buffer.concat([Buffer.from([length]), udh, text]) };
  }
  const length = udh.length + payload.length;
  if (length > USER_DATA_OCTETS) {
    const message = `the user data is ${length} octets with the UDH, more than the ${USER_DATA_OCTETS} of one PDU`;
    throw invalidOption('segment', message);
  }
  if (alphabet === 'UCS2' && payload.length % 2 !== 0) {
    throw invalidOption('segment', `UCS-2 payload must be an even number of octets, got ${payload.length}`);
  }
  return { udhi: udh.length > 0, octets: Buffer.concat([Buffer.from([length]), udh, payload]) };
}

export interface DecodedText {
  text: string;
  header?: UserDataHeader;
}

/** Reads TP-UDL and TP-UD, which end the TPDU: nothing may follow. */
export function readUserData(reader: PduReader, dataCoding: number, udhi: boolean, dcsOffset: number): DecodedText {
  const alphabet = asPduError('TP-DCS', dcsOffset, () => pduAlphabet(dataCoding));
  const udlOffset = reader.offset;
  const length = reader.octet('TP-UDL');
  const max = alphabet === 'GSM7' ? MAX_SEPTETS : USER_DATA_OCTETS;
  if (length > max) {
    const unit = alphabet === 'GSM7' ? 'septets' : 'octets';
    throw pduError('TP-UDL', udlOffset, `${length} ${unit} is more than the ${max} user data can hold`);
  }
  const udOffset = reader.offset;
  const octets = reader.take(alphabet === 'GSM7' ? Math.ceil((length * 7) / 8) : length, 'TP-UD');
  reader.expectEnd('TP-UD');
  const options = { dataCoding: coreDataCoding(dataCoding), udhi, packed: true, septetCount: length };
  const decoded = asPduError('TP-UD', udOffset, () => decodeUserData(Buffer.from(octets), options));
  return decoded.header === undefined ? { text: decoded.text } : { text: decoded.text, header: decoded.header };
}

