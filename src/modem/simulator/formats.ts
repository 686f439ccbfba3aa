/**
 * How the modem prints stored and routed messages (TS 27.005 §3.4.1, §3.1 and §4.1): PDU mode as
 * a header line then the hex PDU, text mode as header fields then the text. Text mode follows
 * AT+CSDH=0 (no optional header fields) and the character set of AT+CSCS; text-mode data of a
 * UCS-2 or 8-bit message is hex whatever the character set, as §3.1 says.
 */
import { alphabetOf } from '../../encoding/dcs';
import type { MessageRecord, StoredMessage } from './sim-card';
import { MESSAGE_STATUS } from './sim-card';

export type CharacterSet = 'GSM' | 'IRA' | 'UCS2';

/** TS 27.005 <fo> of an SMS-STATUS-REPORT as text mode prints it: TP-MTI 10, TP-MMS set. */
const STATUS_REPORT_FIRST_OCTET = 6;

/** The type-of-address octet: 145 international, 208 alphanumeric, 129 unknown. */
export function typeOfAddress(address: string): number {
  if (/^\+\d+$/.test(address)) return 145;
  return /^[\d*#]+$/.test(address) ? 129 : 208;
}

/** TS 27.005 time-string: "yy/MM/dd,hh:mm:ss±zz", zz in quarter hours. */
export function timeString(epochMs: number, timeZoneOffsetMinutes = 0): string {
  const local = new Date(epochMs + timeZoneOffsetMinutes * 60_000);
  const two = (value: number) => String(value).padStart(2, '0');
  const quarters = Math.abs(timeZoneOffsetMinutes) / 15;
  return (
    `${two(local.getUTCFullYear() % 100)}/${two(local.getUTCMonth() + 1)}/${two(local.getUTCDate())},` +
    `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}` +
    `${timeZoneOffsetMinutes < 0 ? '-' : '+'}${two(quarters)}`
  );
}

export function ucs2Hex(text: string): string {
  return Buffer.from(text, 'utf16le').swap16().toString('hex').toUpperCase();
}

/** Text the TE sent as hex UCS-2; null when it is not whole UTF-16 code units in hex. */
export function fromUcs2Hex(hex: string): string | null {
  if (!/^(?:[0-9A-Fa-f]{4})*$/.test(hex)) return null;
  return Buffer.from(hex, 'hex').swap16().toString('utf16le');
}

function teString(value: string, characterSet: CharacterSet): string {
  return characterSet === 'UCS2' ? ucs2Hex(value) : value;
}

function teData(record: MessageRecord & { kind: 'deliver' }, characterSet: CharacterSet): string {
  switch (alphabetOf(record.dataCoding)) {
    case 'UCS2':
      return ucs2Hex(record.text);
    case 'GSM7':
      return teString(record.text, characterSet);
    default:
      return Buffer.from(record.text, 'latin1').toString('hex').toUpperCase();
  }
}

function textFields(record: MessageRecord, characterSet: CharacterSet): string {
  if (record.kind === 'deliver') {
    return `"${teString(record.originator, characterSet)}",,"${timeString(record.serviceCentreTime)}"`;
  }
  const recipient = teString(record.recipient, characterSet);
  return (
    `${STATUS_REPORT_FIRST_OCTET},${record.reference},"${recipient}",${typeOfAddress(record.recipient)},` +
    `"${timeString(record.serviceCentreTime)}","${timeString(record.dischargeTime)}",${record.status}`
  );
}

/** The lines of an unsolicited +CMT (deliver) or +CDS (status report). */
export function routedLines(record: MessageRecord, textMode: boolean, characterSet: CharacterSet): string[] {
  const name = record.kind === 'deliver' ? '+CMT' : '+CDS';
  if (!textMode) return [`${name}: ${record.kind === 'deliver' ? ',' : ''}${record.tpduLength}`, record.pdu];
  const header = `${name}: ${textFields(record, characterSet)}`;
  return record.kind === 'deliver' ? [header, teData(record, characterSet)] : [header];
}

/** The lines of +CMGR (`listed` false) or one +CMGL entry. */
export function storedLines(message: StoredMessage, listed: boolean, textMode: boolean, characterSet: CharacterSet): string[] {
  const { record } = message;
  const name = listed ? `+CMGL: ${message.index},` : '+CMGR: ';
  if (!textMode) return [`${name}${MESSAGE_STATUS.indexOf(message.status)},,${record.tpduLength}`, record.pdu];
  const header = `${name}"${message.status}",${textFields(record, characterSet)}`;
  return record.kind === 'deliver' ? [header, teData(record, characterSet)] : [header];
}
