/**
 * SMS-SUBMIT (TS 23.040 §9.2.2.2), MS -> SC: what a modem sends after AT+CMGS. Encoded by the
 * transport; decoded by the simulator, which plays the SMSC.
 *
 *   first octet: TP-MTI 01 (bits 1-0), TP-RD (2), TP-VPF (4-3), TP-SRR (5), TP-UDHI (6), TP-RP (7)
 *   TP-MR, TP-DA, TP-PID, TP-DCS, [TP-VP], TP-UDL, TP-UD
 */
import type { Segment, UserDataHeader } from '../../encoding';
import { checkInteger, hexByte, invalidOption } from '../../encoding/encoding-errors';
import { encodeAddress, encodeSmscAddress, PduAddress, readAddress, readSmscAddress } from './address';
import { assemble, checkTpduLength, parseHex, pduError, PduReader, SubmitPdu } from './octets';
import { readTimestamp } from './timestamp';
import { encodeUserData, readUserData } from './user-data';
import { readEnhancedValidity, relativeValidityPeriod, relativeValiditySeconds } from './validity';

export const MTI_SUBMIT = 0b01;
const RD = 0x04;
const SRR = 0x20;
const UDHI = 0x40;
const VPF_SHIFT = 3;
const VPF_NONE = 0b00;
const VPF_ENHANCED = 0b01;
const VPF_RELATIVE = 0b10;
const VPF_ABSOLUTE = 0b11;

export interface SubmitPduInput {
  /** SMSC address, international ('+44...'); absent: the length octet 00 (the modem uses the SIM's). */
  smsc?: string;
  destination: PduAddress;
  /** TP-MR 0..255; default 0 (modems replace it with their own counter). */
  messageReference?: number;
  /** TP-SRR. */
  statusReportRequest: boolean;
  /** TP-RD; default false. */
  rejectDuplicates?: boolean;
  /**
   * Relative TP-VP (TP-VPF = 10) from seconds, rounded UP to the next value TS 23.040 §9.2.3.12.1
   * can express, capped at 63 weeks; absent: no TP-VP (TP-VPF = 00).
   */
  validitySeconds?: number;
  /** TP-PID; default 0. */
  protocolId?: number;
  /** TP-DCS as the core gives it: 0 GSM7, 8 UCS-2, 4 8-bit. */
  dataCoding: number;
  /**
   * One segment from encodeMessage: udh (with UDHL, or empty) + payload (GSM7 unpacked septets /
   * UCS-2 BE / octets).
   */
  segment: Pick<Segment, 'udh' | 'payload'>;
}

/** What an SMSC (the simulator) reads from a modem's AT+CMGS: an SMS-SUBMIT (MS -> SC). */
export interface DecodedSubmit {
  smsc: string | null;
  messageReference: number;
  destination: PduAddress;
  statusReportRequest: boolean;
  rejectDuplicates: boolean;
  /** Relative validity in seconds when TP-VPF = 10, or the enhanced format's duration; null when absent. */
  validitySeconds: number | null;
  /** TP-VPF = 11: the absolute end of validity, epoch ms. */
  validityUntil?: number;
  protocolId: number;
  dataCoding: number;
  text: string;
  /** Present when TP-UDHI is set. */
  header?: UserDataHeader;
}

export function encodeSubmitPdu(input: SubmitPduInput): SubmitPdu {
  if (typeof input !== 'object' || input === null) {
    throw invalidOption('input', 'the SMS-SUBMIT input must be an object');
  }
  const messageReference = checkInteger('messageReference', input.messageReference ?? 0, 0, 0xff);
  const protocolId = checkInteger('protocolId', input.protocolId ?? 0, 0, 0xff);
  const dataCoding = checkInteger('dataCoding', input.dataCoding, 0, 0xff);
  const userData = encodeUserData(dataCoding, input.segment);
  const validity = input.validitySeconds === undefined ? [] : [relativeValidityPeriod(input.validitySeconds)];
  const firstOctet =
    MTI_SUBMIT |
    (input.rejectDuplicates === true ? RD : 0) |
    ((validity.length > 0 ? VPF_RELATIVE : VPF_NONE) << VPF_SHIFT) |
    (input.statusReportRequest === true ? SRR : 0) |
    (userData.udhi ? UDHI : 0);
  const tpdu = Buffer.concat([
    Buffer.from([firstOctet, messageReference]),
    encodeAddress(input.destination, 'destination'),
    Buffer.from([protocolId, dataCoding, ...validity]),
    userData.octets,
  ]);
  return assemble(encodeSmscAddress(input.smsc), tpdu);
}

/** `hex`: the PDU including the SMSC address field; `tpduLength` when known (AT+CMGS=<n>) is checked against it. */
export function decodeSubmitPdu(hex: string, tpduLength?: number): DecodedSubmit {
  const octets = parseHex(hex);
  const reader = new PduReader(octets);
  const smsc = readSmscAddress(reader);
  checkTpduLength(tpduLength, reader.remaining, reader.offset);
  const firstOctet = reader.octet('first octet');
  const mti = firstOctet & 0b11;
  if (mti !== MTI_SUBMIT) {
    const found = mti.toString(2).padStart(2, '0');
    const message = `first octet ${hexByte(firstOctet)} has TP-MTI ${found}, not 01 (SMS-SUBMIT)`;
    throw pduError('TP-MTI', reader.offset - 1, message);
  }
  const messageReference = reader.octet('TP-MR');
  const destination = readAddress(reader, 'TP-DA');
  const protocolId = reader.octet('TP-PID');
  const dcsOffset = reader.offset;
  const dataCoding = reader.octet('TP-DCS');
  let validitySeconds: number | null = null;
  let validityUntil: number | undefined;
  switch ((firstOctet >> VPF_SHIFT) & 0b11) {
    case VPF_RELATIVE:
      validitySeconds = relativeValiditySeconds(reader.octet('TP-VP'));
      break;
    case VPF_ENHANCED:
      validitySeconds = readEnhancedValidity(reader);
      break;
    case VPF_ABSOLUTE:
      validityUntil = readTimestamp(reader, 'TP-VP (absolute)').time;
      break;
  }
  const { text, header } = readUserData(reader, dataCoding, (firstOctet & UDHI) !== 0, dcsOffset);
  const decoded: DecodedSubmit = {
    smsc,
    messageReference,
    destination,
    statusReportRequest: (firstOctet & SRR) !== 0,
    rejectDuplicates: (firstOctet & RD) !== 0,
    validitySeconds,
    protocolId,
    dataCoding,
    text,
  };
  if (validityUntil !== undefined) decoded.validityUntil = validityUntil;
  if (header !== undefined) decoded.header = header;
  return decoded;
}
