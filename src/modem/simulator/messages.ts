/**
 * The network side of the simulator: inbound messages and status reports as the modem receives
 * them (SMS-DELIVER / SMS-STATUS-REPORT PDUs built with the part A codec), and the SMS-SUBMITs
 * the modem is given, decoded.
 */
import { SmsGateError } from '../../errors';
import { encodeMessage, type UserDataHeader } from '../../encoding';
import { buildUdh } from '../../encoding/udh';
import {
  decodeSubmitPdu,
  encodeDeliverPdu,
  encodeStatusReportPdu,
  type PduAddress,
} from '../pdu';
import type { DeliverRecord, StatusReportRecord } from './sim-card';

export interface InboundMessage {
  from: string;
  text: string;
  /** Split into this many concatenated parts (UDH IE 00); default as many as the text needs. */
  parts?: number;
  encoding?: 'gsm7' | 'ucs2';
}

/** A submit the modem accepted. */
export interface ReceivedSubmit {
  /** The TP-MR the modem gave it (+CMGS: <mr>). */
  reference: number;
  destination: string;
  text: string;
  header?: UserDataHeader;
  statusReportRequest: boolean;
  dataCoding: number;
  /** The PDU after AT+CMGS in PDU mode; null in text mode. */
  pdu: string | null;
}

/** Octets a concatenated segment leaves for text: 153 septets / 67 UCS-2 code units. */
const CONCATENATED_UNITS = { GSM7: 153, UCS2: 67 } as const;

/** The TS 23.040 address of a number or sender as people write it. */
export function pduAddress(address: string, typeOfAddress?: number): PduAddress {
  if (/^\+\d{1,20}$/.test(address)) return { type: 'international', value: address };
  if (/^\d{1,20}$/.test(address)) {
    return typeOfAddress === 145 ? { type: 'international', value: `+${address}` } : { type: 'unknown', value: address };
  }
  return { type: 'alphanumeric', value: address };
}

/** The SMS-DELIVER parts of an inbound message, in order. */
export function deliverRecords(message: InboundMessage, smsc: string, reference: number, now: number): DeliverRecord[] {
  if (typeof message !== 'object' || message === null) throw invalid('message', 'the inbound message must be an object');
  const { from, text, parts, encoding } = message;
  if (typeof from !== 'string' || from === '' || (!/^\+?\d+$/.test(from) && from.length > 11)) {
    throw invalid('from', `from must be a number or an alphanumeric sender of up to 11 characters, got ${JSON.stringify(from)}`);
  }
  if (encoding !== undefined && encoding !== 'gsm7' && encoding !== 'ucs2') {
    throw invalid('encoding', `encoding must be 'gsm7' or 'ucs2', got ${JSON.stringify(encoding)}`);
  }
  if (parts !== undefined && (!Number.isInteger(parts) || parts < 1 || parts > 255)) {
    throw invalid('parts', `parts must be an integer from 1 to 255, got ${String(parts)}`);
  }
  const encoded = encodeMessage(text, { encoding: encoding ?? 'auto', maxSegments: 255, reference });
  const segments =
    parts === undefined || parts === encoded.segments.length ? encoded.segments : splitInto(text, parts, encoded.encoding, reference);
  const originator = pduAddress(from);
  return segments.map((segment) => {
    const { hex, tpduLength } = encodeDeliverPdu({
      smsc,
      originator,
      serviceCentreTime: now,
      dataCoding: encoded.dataCoding,
      segment,
    });
    return {
      kind: 'deliver',
      pdu: hex,
      tpduLength,
      originator: from,
      serviceCentreTime: now,
      dataCoding: encoded.dataCoding,
      text: segment.text,
    };
  });
}

/** `parts` concatenated segments of nearly equal length, for tests that want several parts of a short text. */
function splitInto(text: string, parts: number, alphabet: 'GSM7' | 'UCS2', reference: number) {
  const codePoints = [...text];
  if (codePoints.length < parts) {
    throw invalid('parts', `the text has ${codePoints.length} characters, too few for ${parts} parts`);
  }
  const size = Math.ceil(codePoints.length / parts);
  return Array.from({ length: parts }, (_, i) => {
    const chunk = codePoints.slice(i * size, (i + 1) * size).join('');
    const [segment] = encodeMessage(chunk, { encoding: alphabet === 'UCS2' ? 'ucs2' : 'gsm7', maxSegments: 1 }).segments;
    if (segment === undefined || segment.units > CONCATENATED_UNITS[alphabet]) {
      throw invalid('parts', `part ${i + 1} of ${parts} does not fit one concatenated segment: use more parts`);
    }
    const udh = buildUdh({ reference, total: parts, sequence: i + 1, ref16: false }, {});
    return { ...segment, udh };
  });
}

export function statusReportRecord(
  submit: { reference: number; destination: string; destinationAddress: PduAddress; submittedAt: number },
  smsc: string,
  status: number,
  now: number,
): StatusReportRecord {
  const { hex, tpduLength } = encodeStatusReportPdu({
    smsc,
    messageReference: submit.reference,
    recipient: submit.destinationAddress,
    serviceCentreTime: submit.submittedAt,
    dischargeTime: now,
    status,
  });
  return {
    kind: 'status-report',
    pdu: hex,
    tpduLength,
    reference: submit.reference,
    recipient: submit.destination,
    serviceCentreTime: submit.submittedAt,
    dischargeTime: now,
    status,
  };
}

/** The PDU after AT+CMGS=<length>, decoded; null when it does not decode (the modem answers +CMS ERROR: 304). */
export function decodeSubmit(hex: string, tpduLength: number) {
  try {
    return decodeSubmitPdu(hex, tpduLength);
  } catch (error) {
    if (error instanceof SmsGateError) return null;
    throw error;
  }
}

function invalid(field: string, message: string): SmsGateError {
  return new SmsGateError('OPTION_INVALID', message, { field });
}
