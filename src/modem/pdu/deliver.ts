/**
 * SMS-DELIVER (TS 23.040 §9.2.2.1), SC -> MS: an inbound message as a modem prints it in +CMT,
 * +CMGR and +CMGL. Decoded by the transport; encoded by the simulator.
 *
 *   first octet: TP-MTI 00 (bits 1-0), TP-MMS (2), TP-LP (3), TP-SRI (5), TP-UDHI (6), TP-RP (7)
 *   TP-OA, TP-PID, TP-DCS, TP-SCTS, TP-UDL, TP-UD
 */
import type { Segment, UserDataHeader } from '../../encoding';
import { checkInteger, invalidOption } from '../../encoding/encoding-errors';
import { encodeAddress, encodeSmscAddress, PduAddress, readAddress } from './address';
import { assemble, PduReader, SubmitPdu } from './octets';
import { encodeTimestamp, readTimestamp } from './timestamp';
import { encodeUserData, readUserData } from './user-data';

export const MTI_DELIVER = 0b00;
/** TP-MMS is set when NO more messages are waiting: the bit reads the opposite way to its name. */
const NO_MORE_MESSAGES = 0x04;
const SRI = 0x20;
const UDHI = 0x40;

/** SC -> MS: what a modem hands us in +CMT, +CMGR, +CMGL, +CDS. */
export interface DeliverPdu {
  type: 'deliver';
  smsc: string | null;
  originator: PduAddress;
  /** TP-SCTS as epoch ms (the time zone applied). */
  serviceCentreTime: number;
  /** TP-SCTS time zone, minutes east of UTC. */
  timeZoneOffsetMinutes: number;
  protocolId: number;
  dataCoding: number;
  text: string;
  header?: UserDataHeader;
  moreMessagesToSend: boolean;
  statusReportIndication: boolean;
}

export interface DeliverPduInput {
  smsc?: string;
  originator: PduAddress;
  serviceCentreTime: number;
  /** Default 0; a multiple of 15. */
  timeZoneOffsetMinutes?: number;
  protocolId?: number;
  dataCoding: number;
  segment: Pick<Segment, 'udh' | 'payload'>;
  statusReportIndication?: boolean;
  moreMessagesToSend?: boolean;
}

/** Returns what a modem would print in +CMT / +CMGR: hex with the SMSC field, and the TPDU length. */
export function encodeDeliverPdu(input: DeliverPduInput): SubmitPdu {
  if (typeof input !== 'object' || input === null) {
    throw invalidOption('input', 'the SMS-DELIVER input must be an object');
  }
  const protocolId = checkInteger('protocolId', input.protocolId ?? 0, 0, 0xff);
  const dataCoding = checkInteger('dataCoding', input.dataCoding, 0, 0xff);
  const userData = encodeUserData(dataCoding, input.segment);
  const firstOctet =
    MTI_DELIVER |
    (input.moreMessagesToSend === true ? 0 : NO_MORE_MESSAGES) |
    (input.statusReportIndication === true ? SRI : 0) |
    (userData.udhi ? UDHI : 0);
  const tpdu = Buffer.concat([
    Buffer.from([firstOctet]),
    encodeAddress(input.originator, 'originator'),
    Buffer.from([protocolId, dataCoding]),
    encodeTimestamp(input.serviceCentreTime, input.timeZoneOffsetMinutes ?? 0, 'serviceCentreTime'),
    userData.octets,
  ]);
  return assemble(encodeSmscAddress(input.smsc), tpdu);
}

/** The TPDU after the first octet, which the caller has read to learn it is an SMS-DELIVER. */
export function readDeliver(reader: PduReader, smsc: string | null, firstOctet: number): DeliverPdu {
  const originator = readAddress(reader, 'TP-OA');
  const protocolId = reader.octet('TP-PID');
  const dcsOffset = reader.offset;
  const dataCoding = reader.octet('TP-DCS');
  const { time, timeZoneOffsetMinutes } = readTimestamp(reader, 'TP-SCTS');
  const { text, header } = readUserData(reader, dataCoding, (firstOctet & UDHI) !== 0, dcsOffset);
  const deliver: DeliverPdu = {
    type: 'deliver',
    smsc,
    originator,
    serviceCentreTime: time,
    timeZoneOffsetMinutes,
    protocolId,
    dataCoding,
    text,
    moreMessagesToSend: (firstOctet & NO_MORE_MESSAGES) === 0,
    statusReportIndication: (firstOctet & SRI) !== 0,
  };
  if (header !== undefined) deliver.header = header;
  return deliver;
}
