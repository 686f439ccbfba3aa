/**
 * Text mode (AT+CMGF=1), the fallback for modems without PDU mode (TS 27.005 §3.1, §4). The
 * character set is UCS2 (see setup.ts), so numbers and texts travel as hex of UTF-16BE.
 * Text mode has no user data header, so it carries single-segment messages only.
 */
import { SmsGateError } from '../errors';
import type { OutboundMessage } from '../transport/types';
import type { Urc } from './at';
import { relativeValidityPeriod, type PduAddress } from './pdu';

/** First octet of an SMS-SUBMIT: TP-MTI submit, TP-VPF relative, and TP-SRR when a report is wanted. */
const SUBMIT_RELATIVE_VALIDITY = 0x11;
const STATUS_REPORT_REQUEST = 0x20;

export function toUcs2Hex(text: string): string {
  return Buffer.from(text, 'utf16le').swap16().toString('hex').toUpperCase();
}

export function fromUcs2Hex(hex: string): string {
  const clean = hex.trim();
  if (!/^(?:[0-9A-Fa-f]{4})*$/.test(clean)) return clean; // not hex: the modem sent plain text
  return Buffer.from(clean, 'hex').swap16().toString('utf16le');
}

export interface TextModeSubmit {
  /** AT+CSMP=<fo>,<vp>,<pid>,<dcs>: the SMS-SUBMIT parameters text mode cannot put in AT+CMGS. */
  parameters: string;
  command: string;
  body: string;
}

export function textModeSubmit(message: OutboundMessage, now: number): TextModeSubmit {
  if (message.encoded.segments.length > 1) {
    throw new SmsGateError(
      'TRANSPORT_PERMANENT',
      `a modem in text mode cannot send a message of ${message.encoded.segments.length} segments (no user data header); ` +
        'use a modem that supports PDU mode (mode: "pdu")',
      { field: 'text' },
    );
  }
  const firstOctet = SUBMIT_RELATIVE_VALIDITY | (message.deliveryReport ? STATUS_REPORT_REQUEST : 0);
  const validity = relativeValidityPeriod(Math.max(0, Math.round((message.validUntil - now) / 1000)));
  return {
    parameters: `AT+CSMP=${firstOctet},${validity},0,${message.encoded.dataCoding}`,
    command: `AT+CMGS="${toUcs2Hex(message.recipient.e164)}",145`,
    body: toUcs2Hex(message.encoded.text),
  };
}

/** An SMS-DELIVER as text mode shows it: `+CMGR:`, `+CMGL:` or `+CMT:` fields, and the text line. */
export function textModeDeliver(originator: string, serviceCentreTime: string | null, text: string) {
  return {
    type: 'deliver' as const,
    originator: addressOf(fromUcs2Hex(originator)),
    text: fromUcs2Hex(text),
    serviceCentreTime: serviceCentreTime === null ? Date.now() : textModeTime(serviceCentreTime, 'scts'),
  };
}

/** A status report as text mode shows it: `+CDS: <fo>,<mr>,[<ra>],[<tora>],<scts>,<dt>,<st>`. */
export function textModeStatusReport(report: Extract<Urc, { type: 'CDS-TEXT' }>) {
  return {
    type: 'status-report' as const,
    messageReference: report.messageReference,
    recipient: addressOf(fromUcs2Hex(report.recipient ?? '')),
    serviceCentreTime: textModeTime(report.serviceCentreTime, 'scts'),
    dischargeTime: textModeTime(report.dischargeTime, 'dt'),
    status: report.status,
  };
}

function addressOf(value: string): PduAddress {
  if (value.startsWith('+')) return { type: 'international', value };
  if (/^[0-9*#]+$/.test(value)) return { type: 'unknown', value };
  return { type: 'alphanumeric', value };
}

/** "yy/MM/dd,hh:mm:ss±zz", zz in quarter hours (TS 27.005 §3.3.1's <scts>). */
function textModeTime(value: string, field: string): number {
  const match = /^(\d\d)\/(\d\d)\/(\d\d),(\d\d):(\d\d):(\d\d)([+-])(\d\d)$/.exec(value);
  if (match === null) {
    throw new SmsGateError('USER_DATA_INVALID', `${field} "${value}" is not a text mode time (yy/MM/dd,hh:mm:ss+zz)`, { field });
  }
  const [, yy, mo, dd, hh, mi, ss, sign, zz] = match;
  const offsetMinutes = (sign === '-' ? -1 : 1) * Number(zz) * 15;
  return Date.UTC(2000 + Number(yy), Number(mo) - 1, Number(dd), Number(hh), Number(mi), Number(ss)) - offsetMinutes * 60_000;
}
