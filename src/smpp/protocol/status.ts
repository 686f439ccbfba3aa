/**
 * command_status codes (SMPP 3.4 §5.1.3 table 5-2, plus the SMPP 5.0 ones a 3.4 SMSC is seen to
 * send) and what each means for the message: send on, slow down, retry, or give up.
 *
 * - throttled: the SMSC is full or we exceed our rate (RTHROTTLED, RMSGQFUL): slow down and send
 *   the same messages again, in their order.
 * - temporary: the SMSC failed for now (RSYSERR, RSUBMITFAIL, RX_T_APPN, ...) or the session is in
 *   the wrong state (RINVBNDSTS, RALYBND): the message itself is fine, retry it.
 * - permanent: this PDU will never be accepted (an invalid address, parameter, credential or
 *   malformed PDU): retrying the same one is pointless.
 * Codes not in the table, SMSC vendor-specific ones (0x400-0x4FF) included, count as temporary:
 * a temporary verdict wrongly given costs a few retries bounded by the retry policy and the
 * validity period, a permanent one wrongly given loses a message that could have gone.
 */
import { SmsGateError } from '../../errors';

export type StatusClass = 'ok' | 'throttled' | 'temporary' | 'permanent';

/**
 * Code, class and meaning by name. SMPP 3.4 names; 0xC0-0xC4 were renamed ESME_RINVTLV... in SMPP
 * 5.0. The meanings follow the spec's descriptions, in words a person reading a status can act on.
 */
const STATUS_TABLE = {
  ESME_ROK: [0x00, 'ok', 'no error'],
  ESME_RINVMSGLEN: [0x01, 'permanent', 'invalid message length'],
  ESME_RINVCMDLEN: [0x02, 'permanent', 'invalid command length'],
  ESME_RINVCMDID: [0x03, 'permanent', 'invalid command id'],
  ESME_RINVBNDSTS: [0x04, 'temporary', 'wrong bind state for this command'],
  ESME_RALYBND: [0x05, 'temporary', 'already bound'],
  ESME_RINVPRTFLG: [0x06, 'permanent', 'invalid priority flag'],
  ESME_RINVREGDLVFLG: [0x07, 'permanent', 'invalid registered delivery flag'],
  ESME_RSYSERR: [0x08, 'temporary', 'system error at the SMSC'],
  ESME_RINVSRCADR: [0x0a, 'permanent', 'invalid source address'],
  ESME_RINVDSTADR: [0x0b, 'permanent', 'invalid destination address'],
  ESME_RINVMSGID: [0x0c, 'permanent', 'invalid message id'],
  // A bind refused without saying why may be a session limit; a wrong password or id is not.
  ESME_RBINDFAIL: [0x0d, 'temporary', 'bind failed'],
  ESME_RINVPASWD: [0x0e, 'permanent', 'wrong password'],
  ESME_RINVSYSID: [0x0f, 'permanent', 'unknown system id'],
  ESME_RCANCELFAIL: [0x11, 'permanent', 'cancel failed'],
  ESME_RREPLACEFAIL: [0x13, 'permanent', 'replace failed'],
  ESME_RMSGQFUL: [0x14, 'throttled', 'message queue full'],
  ESME_RINVSERTYP: [0x15, 'permanent', 'invalid service type'],
  ESME_RINVNUMDESTS: [0x33, 'permanent', 'invalid number of destinations'],
  ESME_RINVDLNAME: [0x34, 'permanent', 'invalid distribution list name'],
  ESME_RINVDESTFLAG: [0x40, 'permanent', 'invalid destination flag'],
  ESME_RINVSUBREP: [0x42, 'permanent', "invalid 'submit with replace' request"],
  ESME_RINVESMCLASS: [0x43, 'permanent', 'invalid esm_class'],
  ESME_RCNTSUBDL: [0x44, 'permanent', 'cannot submit to a distribution list'],
  // "Submit failed" is what SMSCs answer for passing routing and charging failures.
  ESME_RSUBMITFAIL: [0x45, 'temporary', 'submit failed'],
  ESME_RINVSRCTON: [0x48, 'permanent', 'invalid source address TON'],
  ESME_RINVSRCNPI: [0x49, 'permanent', 'invalid source address NPI'],
  ESME_RINVDSTTON: [0x50, 'permanent', 'invalid destination address TON'],
  ESME_RINVDSTNPI: [0x51, 'permanent', 'invalid destination address NPI'],
  ESME_RINVSYSTYP: [0x53, 'permanent', 'invalid system type'],
  ESME_RINVREPFLAG: [0x54, 'permanent', 'invalid replace_if_present flag'],
  ESME_RINVNUMMSGS: [0x55, 'permanent', 'invalid number of messages'],
  ESME_RTHROTTLED: [0x58, 'throttled', 'throttled: message rate exceeded'],
  ESME_RINVSCHED: [0x61, 'permanent', 'invalid scheduled delivery time'],
  ESME_RINVEXPIRY: [0x62, 'permanent', 'invalid validity period'],
  ESME_RINVDFTMSGID: [0x63, 'permanent', 'predefined message not found'],
  ESME_RX_T_APPN: [0x64, 'temporary', 'temporary application error'],
  ESME_RX_P_APPN: [0x65, 'permanent', 'permanent application error'],
  ESME_RX_R_APPN: [0x66, 'permanent', 'message rejected by the application'],
  ESME_RQUERYFAIL: [0x67, 'temporary', 'query failed'],
  ESME_RINVOPTPARSTREAM: [0xc0, 'permanent', 'error in the optional parameters'],
  ESME_ROPTPARNOTALLWD: [0xc1, 'permanent', 'optional parameter not allowed'],
  ESME_RINVPARLEN: [0xc2, 'permanent', 'invalid parameter length'],
  ESME_RMISSINGOPTPARAM: [0xc3, 'permanent', 'expected optional parameter missing'],
  ESME_RINVOPTPARAMVAL: [0xc4, 'permanent', 'invalid optional parameter value'],
  ESME_RDELIVERYFAILURE: [0xfe, 'temporary', 'delivery failure'],
  ESME_RUNKNOWNERR: [0xff, 'temporary', 'unknown error'],
  ESME_RSERTYPUNAUTH: [0x100, 'permanent', 'not authorised for this service type'],
  ESME_RPROHIBITED: [0x101, 'permanent', 'operation prohibited for this account'],
  ESME_RSERTYPUNAVAIL: [0x102, 'temporary', 'service type unavailable'],
  ESME_RSERTYPDENIED: [0x103, 'permanent', 'service type denied'],
  ESME_RINVDCS: [0x104, 'permanent', 'invalid data coding'],
  ESME_RINVSRCADDRSUBUNIT: [0x105, 'permanent', 'invalid source address subunit'],
  ESME_RINVDSTADDRSUBUNIT: [0x106, 'permanent', 'invalid destination address subunit'],
} as const satisfies Record<string, readonly [number, StatusClass, string]>;

export type StatusName = keyof typeof STATUS_TABLE;

/** command_status by name, for the responses smsgate sends (deliver_sm_resp) and tests. */
export const COMMAND_STATUS = Object.fromEntries(
  Object.entries(STATUS_TABLE).map(([name, [code]]) => [name, code]),
) as { readonly [N in StatusName]: (typeof STATUS_TABLE)[N][0] };

const BY_CODE: ReadonlyMap<number, readonly [StatusName, StatusClass, string]> = new Map(
  Object.entries(STATUS_TABLE).map(([name, [code, verdict, meaning]]) => [code, [name as StatusName, verdict, meaning]]),
);

const VENDOR_FIRST = 0x400;
const VENDOR_LAST = 0x4ff;

export function classifyStatus(code: number): StatusClass {
  return BY_CODE.get(code)?.[1] ?? 'temporary';
}

/** `ESME_RINVDSTADR`; `vendor-specific status` or `unknown status` for a code not in the table. */
export function statusName(code: number): string {
  const known = BY_CODE.get(code);
  if (known !== undefined) return known[0];
  return code >= VENDOR_FIRST && code <= VENDOR_LAST ? 'vendor-specific status' : 'unknown status';
}

/** `wrong password` for ESME_RINVPASWD; undefined for a code not in the table. */
export function statusMeaning(code: number): string | undefined {
  return BY_CODE.get(code)?.[2];
}

/**
 * `ESME_RINVPASWD (wrong password)`: the name and what it means; `vendor-specific status
 * (0x00000401)` for a code not in the table, whose number is all there is to say.
 */
export function describeStatus(code: number): string {
  const meaning = statusMeaning(code);
  return `${statusName(code)} (${meaning ?? formatStatus(code)})`;
}

/** `0x0000000B`, as SMPP documents write command_status. */
export function formatStatus(code: number): string {
  return `0x${(code >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

/**
 * The error for a response with a non-zero command_status: TRANSPORT_PERMANENT when the status is
 * permanent, TRANSPORT_TEMPORARY otherwise (throttled too: classifyStatus(providerCode) tells the
 * transport to slow down). `command` names the request, e.g. `submit_sm`.
 */
export function smppError(code: number, command: string): SmsGateError {
  const verdict = classifyStatus(code);
  if (verdict === 'ok') throw new Error(`bug: ${command} succeeded (ESME_ROK), there is no error to report`);
  return new SmsGateError(
    verdict === 'permanent' ? 'TRANSPORT_PERMANENT' : 'TRANSPORT_TEMPORARY',
    `${command} refused: ${describeStatus(code)}`,
    { providerCode: code },
  );
}

/**
 * The error for a refused bind: `bind refused by the SMSC: ESME_RINVPASWD (wrong password)`. A permanent status (a wrong password or system id, a system type or an operation
 * the account may not use) will not change by binding again soon: the transport waits minutes
 * before the next try, so that an SMSC does not lock the account.
 */
export function bindRefusal(code: number): SmsGateError {
  return new SmsGateError(
    classifyStatus(code) === 'permanent' ? 'TRANSPORT_PERMANENT' : 'TRANSPORT_UNAVAILABLE',
    `bind refused by the SMSC: ${describeStatus(code)}`,
    { providerCode: code },
  );
}
