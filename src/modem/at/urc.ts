/** Unsolicited result codes: recognising them, and the two-line ones (+CMT, +CDS). */
import { fieldsAfter, integer, optional, type Field } from './fields';

/** Unsolicited result codes. Two-line ones (+CMT, +CDS in PDU mode) carry their second line. */
export type Urc =
  /** New message stored: AT+CNMI <mt>=1. */
  | { type: 'CMTI'; storage: string; index: number }
  /** New message routed directly, PDU mode (<mt>=2): `+CMT: [<alpha>],<length>` + the PDU. */
  | { type: 'CMT'; alpha: string | null; length: number; pdu: string }
  /** The same in text mode: `+CMT: <oa>,[<alpha>],<scts>[,<tooa>,<fo>,<pid>,<dcs>,<sca>,<tosca>,<length>]` + the text. */
  | { type: 'CMT-TEXT'; originator: string; alpha: string | null; serviceCentreTime: string; fields: string[]; text: string }
  /** Status report routed directly, PDU mode (<ds>=1): `+CDS: <length>` + the PDU. */
  | { type: 'CDS'; length: number; pdu: string }
  /** The same in text mode, one line: `+CDS: <fo>,<mr>,[<ra>],[<tora>],<scts>,<dt>,<st>`. */
  | { type: 'CDS-TEXT'; firstOctet: number; messageReference: number; recipient: string | null; serviceCentreTime: string; dischargeTime: string; status: number }
  /** Status report stored (<ds>=2). */
  | { type: 'CDSI'; storage: string; index: number }
  | { type: 'RING' }
  /** The unsolicited form `+CREG: <stat>[,<lac>,<ci>[,<AcT>]]` (AT+CREG=1 or 2). */
  | { type: 'CREG'; stat: number; lac?: string; ci?: string; act?: number }
  /** `+CPIN: READY` and friends, which modems print unsolicited after a reset or a SIM swap. */
  | { type: 'CPIN'; state: string }
  /** Recognised but not interpreted: ^RSSI, ^BOOT, +QIND, *PSUTTZ, Call Ready, SMS Ready, +CFUN: 1, ... */
  | { type: 'vendor'; line: string };

/** What a line means as an unsolicited code. */
export type UrcMatch =
  | { kind: 'urc'; urc: Urc }
  /** The header of a two-line URC: `complete` takes the next line, or returns null when it cannot be the second line. */
  | { kind: 'header'; complete: (second: string) => Urc | null };

/**
 * Lines that modems print on their own, by prefix. Huawei prefixes every URC with '^'; the rest
 * are SIMCom, Quectel, u-blox and Telit habits, and standard codes we do not interpret.
 */
const VENDOR_PREFIXES = [
  '^', '+QIND:', '+QUSIM:', '+QIURC:', '+QSTK', '*PSUTTZ:', '+PSUTTZ:', '+CTZV:', '+CTZE:', '+CTZU:',
  'DST:', '+CIEV:', '+CFUN:', '+CGREG:', '+CEREG:', '+CUSD:', '+CRING:', '+CLIP:', '+CCWA:', '+CBM:',
  '+STIN:', '+CSQN:', '+UUSORD:', '#QSS:', '+SIND:', '+CGEV:', '+CUSATP:',
];
const VENDOR_LINES = new Set([
  'CALL READY', 'SMS READY', 'RDY', 'PB DONE', 'NORMAL POWER DOWN', 'POWERED DOWN',
  'UNDER-VOLTAGE POWER DOWN', 'UNDER-VOLTAGE WARNNING', 'UNDER-VOLTAGE WARNING',
  'OVER-VOLTAGE POWER DOWN', 'OVER-VOLTAGE WARNNING', 'OVER-VOLTAGE WARNING',
]);

const HEX = /^[0-9A-Fa-f]+$/;

/**
 * `+CREG: <n>,<stat>[,...]` answers AT+CREG?; `+CREG: <stat>[,<lac>,<ci>[,<AcT>]]` is the URC.
 * The answer's second field is a bare <stat> (a small number); the URC's is a quoted <lac> (or
 * hex, for modems that drop the quotes), and the URC never has exactly two fields.
 */
export function isCregAnswer(fields: Field[]): boolean {
  const second = fields[1];
  return fields.length !== 3 && second !== undefined && !second.quoted && /^\d{1,2}$/.test(second.value) && integer(fields[0]) !== null;
}

/** Parses an unsolicited line; null when it is not one we know. `line` is already trimmed. */
export function matchUrc(line: string): UrcMatch | null {
  const upper = line.toUpperCase();
  if (upper === 'RING') return { kind: 'urc', urc: { type: 'RING' } };
  if (VENDOR_LINES.has(upper) || VENDOR_PREFIXES.some((prefix) => upper.startsWith(prefix))) {
    return { kind: 'urc', urc: { type: 'vendor', line } };
  }

  const stored = (prefix: string, type: 'CMTI' | 'CDSI'): UrcMatch | null => {
    const fields = fieldsAfter(line, prefix);
    const index = integer(fields?.[1]);
    if (!fields || fields.length !== 2 || index === null) return null;
    return { kind: 'urc', urc: { type, storage: fields[0]!.value, index } };
  };
  if (upper.startsWith('+CMTI:')) return stored('+CMTI:', 'CMTI');
  if (upper.startsWith('+CDSI:')) return stored('+CDSI:', 'CDSI');

  if (upper.startsWith('+CMT:')) return matchCmt(fieldsAfter(line, '+CMT:')!);
  if (upper.startsWith('+CDS:')) return matchCds(fieldsAfter(line, '+CDS:')!);

  if (upper.startsWith('+CREG:')) {
    const fields = fieldsAfter(line, '+CREG:')!;
    const stat = integer(fields[0]);
    if (stat === null || isCregAnswer(fields)) return null;
    const urc: Urc = { type: 'CREG', stat };
    if (optional(fields[1]) !== null) urc.lac = fields[1]!.value;
    if (optional(fields[2]) !== null) urc.ci = fields[2]!.value;
    const act = integer(fields[3]);
    if (act !== null) urc.act = act;
    return { kind: 'urc', urc };
  }

  if (upper.startsWith('+CPIN:')) {
    const state = line.slice('+CPIN:'.length).trim();
    return state ? { kind: 'urc', urc: { type: 'CPIN', state: state.toUpperCase() } } : null;
  }
  return null;
}

function matchCmt(fields: Field[]): UrcMatch | null {
  const length = integer(fields[1]);
  if (fields.length === 2 && length !== null) {
    const alpha = optional(fields[0]);
    return { kind: 'header', complete: (pdu) => (HEX.test(pdu) ? { type: 'CMT', alpha, length, pdu } : null) };
  }
  if (fields.length >= 3 && fields[0]!.value !== '') {
    const head = { originator: fields[0]!.value, alpha: optional(fields[1]), serviceCentreTime: fields[2]!.value, fields: fields.map((f) => f.value) };
    return { kind: 'header', complete: (text) => ({ type: 'CMT-TEXT', ...head, text }) };
  }
  return null;
}

function matchCds(fields: Field[]): UrcMatch | null {
  const length = integer(fields[0]);
  if (fields.length === 1 && length !== null) {
    return { kind: 'header', complete: (pdu) => (HEX.test(pdu) ? { type: 'CDS', length, pdu } : null) };
  }
  const firstOctet = integer(fields[0]);
  const messageReference = integer(fields[1]);
  const status = integer(fields[6]);
  if (fields.length === 7 && firstOctet !== null && messageReference !== null && status !== null) {
    return {
      kind: 'urc',
      urc: {
        type: 'CDS-TEXT',
        firstOctet,
        messageReference,
        recipient: optional(fields[2]),
        serviceCentreTime: fields[4]!.value,
        dischargeTime: fields[5]!.value,
        status,
      },
    };
  }
  return null;
}
