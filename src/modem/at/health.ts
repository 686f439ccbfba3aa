/**
 * Parsers for the answers the transport reads: AT+CSQ, AT+CREG?, AT+CPIN? (health), AT+CMGS
 * (the TP-MR) and AT+CMGR / AT+CMGL (stored messages). They take the lines `command()` resolved
 * with and throw SmsGateError USER_DATA_INVALID, naming the line, when the answer is not what
 * TS 27.007 / TS 27.005 say it is.
 */
import { SmsGateError } from '../../errors';
import { fieldsAfter, integer, optional, type Field } from './fields';
import { isCregAnswer } from './urc';

function invalid(prefix: string, lines: string[], why: string): SmsGateError {
  return new SmsGateError('USER_DATA_INVALID', `${prefix} ${why}: got ${JSON.stringify(lines)}`, { field: prefix });
}

function fieldsOf(lines: string[], prefix: string): Field[] {
  for (const line of lines) {
    const fields = fieldsAfter(line, prefix);
    if (fields) return fields;
  }
  throw invalid(prefix, lines, 'line missing');
}

export interface SignalQuality {
  /** <rssi>: 0..31, 99 not known. */
  rssi: number;
  /** <ber>: RXQUAL 0..7, 99 not known. */
  ber: number;
  /** TS 27.007 §8.5: 0 is -113 dBm or less, 31 is -51 dBm or more, 2 dB a step; null when unknown. */
  dbm: number | null;
}

/** `+CSQ: <rssi>,<ber>`. */
export function parseCsq(lines: string[]): SignalQuality {
  const fields = fieldsOf(lines, '+CSQ:');
  const rssi = integer(fields[0]);
  const ber = integer(fields[1]);
  if (rssi === null || ber === null) throw invalid('+CSQ:', lines, 'needs <rssi>,<ber> as numbers');
  return { rssi, ber, dbm: rssi <= 31 ? -113 + 2 * rssi : null };
}

export type RegistrationStatus = 'registered-home' | 'registered-roaming' | 'searching' | 'denied' | 'not-registered' | 'unknown';

/**
 * TS 27.007 §7.2 <stat>. The "SMS only" (6, 7) and "CSFB not preferred" (9, 10) registrations
 * carry SMS, so they count as registered; 8 (emergency bearer services only) does not.
 */
export function registrationStatus(stat: number): RegistrationStatus {
  switch (stat) {
    case 1:
    case 6:
    case 9:
      return 'registered-home';
    case 5:
    case 7:
    case 10:
      return 'registered-roaming';
    case 2:
      return 'searching';
    case 3:
      return 'denied';
    case 0:
    case 8:
      return 'not-registered';
    default:
      return 'unknown';
  }
}

export interface Registration {
  /** <n> of the AT+CREG? answer (the URC form has none). */
  n: number | null;
  stat: number;
  status: RegistrationStatus;
  lac?: string;
  ci?: string;
  act?: number;
}

/** `+CREG: <n>,<stat>[,<lac>,<ci>[,<AcT>]]` (AT+CREG?), or the unsolicited `+CREG: <stat>[,...]`. */
export function parseCreg(lines: string[]): Registration {
  const fields = fieldsOf(lines, '+CREG:');
  const answer = isCregAnswer(fields);
  const rest = answer ? fields.slice(1) : fields;
  const stat = integer(rest[0]);
  if (stat === null) throw invalid('+CREG:', lines, 'needs a numeric <stat>');
  const registration: Registration = { n: answer ? integer(fields[0]) : null, stat, status: registrationStatus(stat) };
  const lac = optional(rest[1]);
  const ci = optional(rest[2]);
  const act = integer(rest[3]);
  if (lac !== null) registration.lac = lac;
  if (ci !== null) registration.ci = ci;
  if (act !== null) registration.act = act;
  return registration;
}

/** TS 27.007 §8.3 <code>, plus the SIMCom/Quectel 'NOT INSERTED' and 'NOT READY'. */
export const CPIN_STATES = [
  'READY', 'SIM PIN', 'SIM PUK', 'PH-SIM PIN', 'PH-FSIM PIN', 'PH-FSIM PUK', 'SIM PIN2', 'SIM PUK2',
  'PH-NET PIN', 'PH-NET PUK', 'PH-NETSUB PIN', 'PH-NETSUB PUK', 'PH-SP PIN', 'PH-SP PUK',
  'PH-CORP PIN', 'PH-CORP PUK', 'NOT INSERTED', 'NOT READY',
] as const;
export type CpinState = (typeof CPIN_STATES)[number];

/** `+CPIN: <code>`: READY, or what the SIM waits for. */
export function parseCpin(lines: string[]): CpinState {
  const fields = fieldsOf(lines, '+CPIN:');
  const state = fields.map((f) => f.value).join(',').trim().toUpperCase();
  const known = CPIN_STATES.find((s) => s === state);
  if (!known) throw invalid('+CPIN:', lines, `has an unknown state '${state}'`);
  return known;
}

/** `+CMGS: <mr>[,<scts>]`: the TP-MR the modem gave the submit, 0..255. */
export function parseCmgs(lines: string[]): number {
  const mr = integer(fieldsOf(lines, '+CMGS:')[0]);
  if (mr === null || mr > 255) throw invalid('+CMGS:', lines, 'needs a <mr> 0..255');
  return mr;
}

/** A stored message in PDU mode: <stat> 0 received unread, 1 read, 2 stored unsent, 3 sent, 4 all. */
export interface StoredPdu {
  mode: 'pdu';
  stat: number;
  alpha: string | null;
  /** TPDU length in octets (the SMSC address not counted), for decodeMobileTerminatedPdu. */
  length: number;
  pdu: string;
}
/** A stored SMS-DELIVER in text mode: <stat> "REC UNREAD", "REC READ", ... */
export interface StoredText {
  mode: 'text';
  stat: string;
  originator: string;
  alpha: string | null;
  serviceCentreTime: string | null;
  /** All header fields, for the optional <tooa>,<fo>,<pid>,<dcs>,<sca>,<tosca>,<length>. */
  fields: string[];
  text: string;
}
export type StoredMessage = StoredPdu | StoredText;

/** `+CMGR:` / `+CMGL:` header fields (the <index> already taken off) and the line after them. */
function storedMessage(prefix: string, fields: Field[], body: string | undefined, lines: string[]): StoredMessage {
  if (body === undefined) throw invalid(prefix, lines, 'has no PDU or text line after the header');
  const stat = integer(fields[0]);
  if (stat !== null) {
    const length = integer(fields[2]);
    const pdu = body.trim();
    if (fields.length !== 3 || length === null || !/^[0-9A-Fa-f]+$/.test(pdu) || pdu.length % 2 !== 0) {
      throw invalid(prefix, lines, 'needs <stat>,[<alpha>],<length> and a hex PDU');
    }
    return { mode: 'pdu', stat, alpha: optional(fields[1]), length, pdu: pdu.toUpperCase() };
  }
  if (!fields[0]?.quoted || fields.length < 3) throw invalid(prefix, lines, 'needs <stat>,<oa>,... in text mode');
  return {
    mode: 'text',
    stat: fields[0].value,
    originator: fields[1]!.value,
    alpha: optional(fields[2]),
    serviceCentreTime: optional(fields[3]),
    fields: fields.map((f) => f.value),
    text: body,
  };
}

/** AT+CMGR=<index>: the message, or null when the index is empty (the modem answers just OK). */
export function parseCmgr(lines: string[]): StoredMessage | null {
  const at = lines.findIndex((line) => fieldsAfter(line, '+CMGR:') !== null);
  if (at < 0) {
    if (lines.length === 0) return null;
    throw invalid('+CMGR:', lines, 'line missing');
  }
  return storedMessage('+CMGR:', fieldsAfter(lines[at]!, '+CMGR:')!, lines[at + 1], lines);
}

/** An AT+CMGL entry that is not a stored message as TS 27.005 says: why, and its index when it had one. */
export interface InvalidListEntry {
  index: number | null;
  invalid: SmsGateError;
}

/**
 * AT+CMGL=<stat>: every listed message with its storage index, in order. An entry that does not
 * parse (a PDU that is not hex, fields missing) is given as an InvalidListEntry in its place, so
 * one bad slot does not hide the others.
 */
export function parseCmgl(lines: string[]): ((StoredMessage & { index: number }) | InvalidListEntry)[] {
  const entries: ((StoredMessage & { index: number }) | InvalidListEntry)[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fields = fieldsAfter(lines[i]!, '+CMGL:');
    if (!fields) continue;
    const entry = [lines[i]!, ...(lines[i + 1] === undefined ? [] : [lines[i + 1]!])];
    const index = integer(fields[0]);
    i++; // the header's next line is its PDU or text, whatever it looks like (as the engine reads it)
    if (index === null) {
      entries.push({ index: null, invalid: invalid('+CMGL:', entry, 'needs a numeric <index>') });
      continue;
    }
    try {
      entries.push({ index, ...storedMessage('+CMGL:', fields.slice(1), entry[1], entry) });
    } catch (err) {
      entries.push({ index, invalid: err instanceof SmsGateError ? err : invalid('+CMGL:', entry, String(err)) });
    }
  }
  return entries;
}
