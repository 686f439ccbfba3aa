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

/** Code and class by name. SMPP 3.4 names; 0xC0-0xC4 were renamed ESME_RINVTLV... in SMPP 5.0. */
const STATUS_TABLE = {
  ESME_ROK: [0x00, 'ok'],
  ESME_RINVMSGLEN: [0x01, 'permanent'],
  ESME_RINVCMDLEN: [0x02, 'permanent'],
  ESME_RINVCMDID: [0x03, 'permanent'],
  ESME_RINVBNDSTS: [0x04, 'temporary'],
  ESME_RALYBND: [0x05, 'temporary'],
  ESME_RINVPRTFLG: [0x06, 'permanent'],
  ESME_RINVREGDLVFLG: [0x07, 'permanent'],
  ESME_RSYSERR: [0x08, 'temporary'],
  ESME_RINVSRCADR: [0x0a, 'permanent'],
  ESME_RINVDSTADR: [0x0b, 'permanent'],
  ESME_RINVMSGID: [0x0c, 'permanent'],
  // A bind refused without saying why may be a session limit; a wrong password or id is not.
  ESME_RBINDFAIL: [0x0d, 'temporary'],
  ESME_RINVPASWD: [0x0e, 'permanent'],
  ESME_RINVSYSID: [0x0f, 'permanent'],
  ESME_RCANCELFAIL: [0x11, 'permanent'],
  ESME_RREPLACEFAIL: [0x13, 'permanent'],
  ESME_RMSGQFUL: [0x14, 'throttled'],
  ESME_RINVSERTYP: [0x15, 'permanent'],
  ESME_RINVNUMDESTS: [0x33, 'permanent'],
  ESME_RINVDLNAME: [0x34, 'permanent'],
  ESME_RINVDESTFLAG: [0x40, 'permanent'],
  ESME_RINVSUBREP: [0x42, 'permanent'],
  ESME_RINVESMCLASS: [0x43, 'permanent'],
  ESME_RCNTSUBDL: [0x44, 'permanent'],
  // "Submit failed" is what SMSCs answer for passing routing and charging failures.
  ESME_RSUBMITFAIL: [0x45, 'temporary'],
  ESME_RINVSRCTON: [0x48, 'permanent'],
  ESME_RINVSRCNPI: [0x49, 'permanent'],
  ESME_RINVDSTTON: [0x50, 'permanent'],
  ESME_RINVDSTNPI: [0x51, 'permanent'],
  ESME_RINVSYSTYP: [0x53, 'permanent'],
  ESME_RINVREPFLAG: [0x54, 'permanent'],
  ESME_RINVNUMMSGS: [0x55, 'permanent'],
  ESME_RTHROTTLED: [0x58, 'throttled'],
  ESME_RINVSCHED: [0x61, 'permanent'],
  ESME_RINVEXPIRY: [0x62, 'permanent'],
  ESME_RINVDFTMSGID: [0x63, 'permanent'],
  ESME_RX_T_APPN: [0x64, 'temporary'],
  ESME_RX_P_APPN: [0x65, 'permanent'],
  ESME_RX_R_APPN: [0x66, 'permanent'],
  ESME_RQUERYFAIL: [0x67, 'temporary'],
  ESME_RINVOPTPARSTREAM: [0xc0, 'permanent'],
  ESME_ROPTPARNOTALLWD: [0xc1, 'permanent'],
  ESME_RINVPARLEN: [0xc2, 'permanent'],
  ESME_RMISSINGOPTPARAM: [0xc3, 'permanent'],
  ESME_RINVOPTPARAMVAL: [0xc4, 'permanent'],
  ESME_RDELIVERYFAILURE: [0xfe, 'temporary'],
  ESME_RUNKNOWNERR: [0xff, 'temporary'],
  ESME_RSERTYPUNAUTH: [0x100, 'permanent'],
  ESME_RPROHIBITED: [0x101, 'permanent'],
  ESME_RSERTYPUNAVAIL: [0x102, 'temporary'],
  ESME_RSERTYPDENIED: [0x103, 'permanent'],
  ESME_RINVDCS: [0x104, 'permanent'],
  ESME_RINVSRCADDRSUBUNIT: [0x105, 'permanent'],
  ESME_RINVDSTADDRSUBUNIT: [0x106, 'permanent'],
} as const satisfies Record<string, readonly [number, StatusClass]>;

export type StatusName = keyof typeof STATUS_TABLE;

/** command_status by name, for the responses smsgate sends (deliver_sm_resp) and tests. */
export const COMMAND_STATUS = Object.fromEntries(
  Object.entries(STATUS_TABLE).map(([name, [code]]) => [name, code]),
) as { readonly [N in StatusName]: (typeof STATUS_TABLE)[N][0] };

const BY_CODE: ReadonlyMap<number, readonly [StatusName, StatusClass]> = new Map(
  Object.entries(STATUS_TABLE).map(([name, [code, verdict]]) => [code, [name as StatusName, verdict]]),
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
    `${command} refused: ${statusName(code)} (${formatStatus(code)})`,
    { providerCode: code },
  );
}
