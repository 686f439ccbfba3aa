/**
 * SMS-STATUS-REPORT (TS 23.040 §9.2.2.3), SC -> MS: what became of an SMS-SUBMIT sent with
 * TP-SRR, as a modem prints it in +CDS or +CMGR. Decoded by the transport; encoded by the simulator.
 *
 *   first octet: TP-MTI 10 (bits 1-0), TP-MMS (2), TP-LP (3), TP-SRQ (5), TP-UDHI (6)
 *   TP-MR, TP-RA, TP-SCTS, TP-DT, TP-ST, then optionally TP-PI and what it announces
 */
import { checkInteger, invalidOption } from '../../encoding/encoding-errors';
import { encodeAddress, encodeSmscAddress, PduAddress, readAddress } from './address';
import { assemble, PduReader, SubmitPdu } from './octets';
import { encodeTimestamp, readTimestamp } from './timestamp';

export const MTI_STATUS_REPORT = 0b10;
const NO_MORE_MESSAGES = 0x04;

export interface StatusReportPdu {
  type: 'status-report';
  smsc: string | null;
  /** TP-MR of the SMS-SUBMIT it reports on (the +CMGS: <mr>). */
  messageReference: number;
  recipient: PduAddress;
  serviceCentreTime: number;
  dischargeTime: number;
  /** TP-ST, 0..255. */
  status: number;
}

export interface StatusReportPduInput {
  smsc?: string;
  messageReference: number;
  recipient: PduAddress;
  serviceCentreTime: number;
  dischargeTime: number;
  timeZoneOffsetMinutes?: number;
  status: number;
}

export function encodeStatusReportPdu(input: StatusReportPduInput): SubmitPdu {
  if (typeof input !== 'object' || input === null) {
    throw invalidOption('input', 'the SMS-STATUS-REPORT input must be an object');
  }
  const messageReference = checkInteger('messageReference', input.messageReference, 0, 0xff);
  const status = checkInteger('status', input.status, 0, 0xff);
  const timeZone = input.timeZoneOffsetMinutes ?? 0;
  // TP-SRQ stays 0: the report is on an SMS-SUBMIT. No TP-PI: it is optional when nothing follows.
  const tpdu = Buffer.concat([
    Buffer.from([MTI_STATUS_REPORT | NO_MORE_MESSAGES, messageReference]),
    encodeAddress(input.recipient, 'recipient'),
    encodeTimestamp(input.serviceCentreTime, timeZone, 'serviceCentreTime'),
    encodeTimestamp(input.dischargeTime, timeZone, 'dischargeTime'),
    Buffer.from([status]),
  ]);
  return assemble(encodeSmscAddress(input.smsc), tpdu);
}

/**
 * The TPDU after the first octet. What may follow TP-ST (TP-PI, TP-PID, TP-DCS, user data) is
 * not read: the report's meaning is in TP-MR, TP-RA and TP-ST, and networks differ in what they
 * append there (some pad with octets TP-PI does not announce), so a report is not lost over it.
 */
export function readStatusReport(reader: PduReader, smsc: string | null): StatusReportPdu {
  const messageReference = reader.octet('TP-MR');
  const recipient = readAddress(reader, 'TP-RA');
  const serviceCentreTime = readTimestamp(reader, 'TP-SCTS').time;
  const dischargeTime = readTimestamp(reader, 'TP-DT').time;
  const status = reader.octet('TP-ST');
  return { type: 'status-report', smsc, messageReference, recipient, serviceCentreTime, dischargeTime, status };
}
