/**
 * Failed AT commands, and the tables that turn a modem's +CME ERROR / +CMS ERROR into words a
 * person can act on and into a retry decision.
 */

/** How a command ended when it did not end in OK. */
export type AtErrorKind =
  /** A bare ERROR (or COMMAND NOT SUPPORT): the modem gives no reason, e.g. with AT+CMEE=0. */
  | 'ERROR'
  /** +CME ERROR: an equipment (ME/SIM/network) error, TS 27.007 §9.2. */
  | 'CME'
  /** +CMS ERROR: a short message service error, TS 27.005 §3.2.5. */
  | 'CMS'
  /** No final result code (or no '> ' prompt) in time. */
  | 'TIMEOUT'
  /** The engine was closed, or the port closed or failed, before the command finished. */
  | 'CLOSED'
  | 'NO CARRIER'
  | 'BUSY'
  | 'NO ANSWER'
  | 'NO DIALTONE';

/** TS 27.007 §9.2.1 (general) and §9.2.2 (GPRS) <err> values with their verbose texts. */
export const CME_ERRORS: ReadonlyMap<number, string> = new Map([
  [0, 'phone failure'],
  [1, 'no connection to phone'],
  [2, 'phone-adaptor link reserved'],
  [3, 'operation not allowed'],
  [4, 'operation not supported'],
  [5, 'PH-SIM PIN required'],
  [6, 'PH-FSIM PIN required'],
  [7, 'PH-FSIM PUK required'],
  [10, 'SIM not inserted'],
  [11, 'SIM PIN required'],
  [12, 'SIM PUK required'],
  [13, 'SIM failure'],
  [14, 'SIM busy'],
  [15, 'SIM wrong'],
  [16, 'incorrect password'],
  [17, 'SIM PIN2 required'],
  [18, 'SIM PUK2 required'],
  [20, 'memory full'],
  [21, 'invalid index'],
  [22, 'not found'],
  [23, 'memory failure'],
  [24, 'text string too long'],
  [25, 'invalid characters in text string'],
  [26, 'dial string too long'],
  [27, 'invalid characters in dial string'],
  [30, 'no network service'],
  [31, 'network timeout'],
  [32, 'network not allowed - emergency calls only'],
  [40, 'network personalization PIN required'],
  [41, 'network personalization PUK required'],
  [42, 'network subset personalization PIN required'],
  [43, 'network subset personalization PUK required'],
  [44, 'service provider personalization PIN required'],
  [45, 'service provider personalization PUK required'],
  [46, 'corporate personalization PIN required'],
  [47, 'corporate personalization PUK required'],
  [48, 'hidden key required'],
  [49, 'EAP method not supported'],
  [50, 'incorrect parameters'],
  [51, 'command implemented but currently disabled'],
  [52, 'command aborted by user'],
  [53, 'not attached to network due to MT functionality restrictions'],
  [54, 'modem not allowed - MT restricted to emergency calls only'],
  [55, 'operation not allowed because of MT functionality restrictions'],
  [56, 'fixed dial number only allowed - called number is not a fixed dial number'],
  [57, 'temporarily out of service due to other MT usage'],
  [58, 'language/alphabet not supported'],
  [59, 'unexpected data value'],
  [60, 'system failure'],
  [61, 'data missing'],
  [62, 'call barred'],
  [63, 'message waiting indication subscription failure'],
  [100, 'unknown'],
  [103, 'illegal MS'],
  [106, 'illegal ME'],
  [107, 'GPRS services not allowed'],
  [111, 'PLMN not allowed'],
  [112, 'location area not allowed'],
  [113, 'roaming not allowed in this location area'],
  [132, 'service option not supported'],
  [133, 'requested service option not subscribed'],
  [134, 'service option temporarily out of order'],
  [148, 'unspecified GPRS error'],
  [149, 'PDP authentication failure'],
  [150, 'invalid mobile class'],
]);

export interface CmsErrorInfo {
  code: number;
  message: string;
  /** Whether sending the same message again later can succeed without anyone changing anything. */
  retryable: boolean;
}

/**
 * TS 27.005 §3.2.5 <err> values. 0..127 are the RP-Cause values of TS 24.011 Annex E (the
 * network's answer to our RP-DATA), 128..255 the TP-FCS values of TS 23.040 §9.2.3.22 (the SC's
 * answer), 300.. the ME/TA's own errors.
 *
 * `retryable` is a promise that a later attempt of the very same submit can succeed:
 * - Network and SC capacity problems are temporary by their definition: 38 network out of order,
 *   41 temporary failure, 42 congestion, 47 resources unavailable, 0xC0 SC busy, 0xC2 SC system
 *   failure, 332 network timeout, 331 no network service (registration comes back),
 *   27 destination (the SC) out of order.
 * - The ME being busy is temporary: 301 SMS service of ME reserved, 314 SIM busy, 0xD4 SIM
 *   toolkit busy, 300 ME failure (a glitch that a reset usually cures).
 * - 500 "unknown error" is retried: SIMCom and Quectel modules give it for radio trouble (weak
 *   signal, a cell change mid-submit), and the gateway's retry budget bounds the cost.
 * - Everything about the message, the recipient or the subscription is permanent, because a
 *   retry sends the same bytes to the same verdict: 1 unassigned number, 8 barring, 10 call
 *   barred, 21 transfer rejected, 28/30 unidentified/unknown subscriber, 29 facility rejected,
 *   50 not subscribed, 69, 81, 95..99 and 111 protocol errors, the TP-PID/TP-DCS/TPDU errors,
 *   0xC3 invalid SME address, 0xC4 destination barred, 0xC5 duplicate rejected (the SC already
 *   has it: a retry could only duplicate), 302..305 (our command or PDU is wrong).
 * - The SIM states (310 not inserted, 311 PIN, 312 PH-SIM PIN, 313 failure, 315 wrong, 316 PUK,
 *   317/318 PIN2/PUK2) and 330 SMSC address unknown need a person (a SIM, a PIN, AT+CSCA), so
 *   they are permanent for the message; the transport reports them as its status.
 * - Codes not in the table: an unknown RP-Cause (0..127) is "treated as cause 41 temporary
 *   failure" (TS 24.011 §8.2.5.4), so retryable; an unknown TP-FCS (128..255) as 0xFF
 *   unspecified, permanent; manufacturer codes (512..) carry no meaning we can rely on and are
 *   retried within the gateway's budget, like 500.
 */
const CMS_TABLE: readonly (readonly [number, string, boolean])[] = [
  [1, 'unassigned (unallocated) number', false],
  [8, 'operator determined barring', false],
  [10, 'call barred', false],
  [21, 'short message transfer rejected', false],
  [27, 'destination out of service', true],
  [28, 'unidentified subscriber', false],
  [29, 'facility rejected', false],
  [30, 'unknown subscriber', false],
  [38, 'network out of order', true],
  [41, 'temporary failure', true],
  [42, 'congestion', true],
  [47, 'resources unavailable, unspecified', true],
  [50, 'requested facility not subscribed', false],
  [69, 'requested facility not implemented', false],
  [81, 'invalid short message transfer reference value', false],
  [95, 'invalid message, unspecified', false],
  [96, 'invalid mandatory information', false],
  [97, 'message type non-existent or not implemented', false],
  [98, 'message not compatible with short message protocol state', false],
  [99, 'information element non-existent or not implemented', false],
  [111, 'protocol error, unspecified', false],
  [127, 'interworking, unspecified', false],
  [0x80, 'telematic interworking not supported', false],
  [0x81, 'short message type 0 not supported', false],
  [0x82, 'cannot replace short message', false],
  [0x8f, 'unspecified TP-PID error', false],
  [0x90, 'data coding scheme (alphabet) not supported', false],
  [0x91, 'message class not supported', false],
  [0x9f, 'unspecified TP-DCS error', false],
  [0xa0, 'command cannot be actioned', false],
  [0xa1, 'command unsupported', false],
  [0xaf, 'unspecified TP-Command error', false],
  [0xb0, 'TPDU not supported', false],
  [0xc0, 'SC busy', true],
  [0xc1, 'no SC subscription', false],
  [0xc2, 'SC system failure', true],
  [0xc3, 'invalid SME address', false],
  [0xc4, 'destination SME barred', false],
  [0xc5, 'SM rejected-duplicate SM', false],
  [0xc6, 'TP-VPF not supported', false],
  [0xc7, 'TP-VP not supported', false],
  [0xd0, 'SIM SMS storage full', false],
  [0xd1, 'no SMS storage capability in SIM', false],
  [0xd2, 'error in MS', false],
  [0xd3, 'memory capacity exceeded', false],
  [0xd4, 'SIM application toolkit busy', true],
  [0xd5, 'SIM data download error', false],
  [0xff, 'unspecified error cause', false],
  [300, 'ME failure', true],
  [301, 'SMS service of ME reserved', true],
  [302, 'operation not allowed', false],
  [303, 'operation not supported', false],
  [304, 'invalid PDU mode parameter', false],
  [305, 'invalid text mode parameter', false],
  [310, 'SIM not inserted', false],
  [311, 'SIM PIN required', false],
  [312, 'PH-SIM PIN required', false],
  [313, 'SIM failure', false],
  [314, 'SIM busy', true],
  [315, 'SIM wrong', false],
  [316, 'SIM PUK required', false],
  [317, 'SIM PIN2 required', false],
  [318, 'SIM PUK2 required', false],
  [320, 'memory failure', false],
  [321, 'invalid memory index', false],
  [322, 'memory full', false],
  [330, 'SMSC address unknown', false],
  [331, 'no network service', true],
  [332, 'network timeout', true],
  [340, 'no +CNMA acknowledgement expected', false],
  [500, 'unknown error', true],
];

export const CMS_ERRORS: ReadonlyMap<number, CmsErrorInfo> = new Map(
  CMS_TABLE.map(([code, message, retryable]) => [code, { code, message, retryable }]),
);

/** The meaning of a +CMS ERROR code, including codes outside the table (see the table's rules). */
export function cmsError(code: number): CmsErrorInfo {
  const known = CMS_ERRORS.get(code);
  if (known) return known;
  if (code >= 0 && code <= 127) return { code, message: `RP-Cause ${code} (treated as temporary failure)`, retryable: true };
  if (code >= 128 && code <= 255) return { code, message: `TP-FCS 0x${code.toString(16).toUpperCase()} (unspecified)`, retryable: false };
  if (code >= 512) return { code, message: `manufacturer-specific error ${code}`, retryable: true };
  return { code, message: `reserved error ${code}`, retryable: false };
}

/** Whether a failed AT+CMGS with this +CMS ERROR is worth sending again. */
export function isRetryableCmsError(code: number): boolean {
  return cmsError(code).retryable;
}

/** Verbose texts (AT+CMEE=2) differ in case and punctuation between vendors; compare them bare. */
function normalise(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

const CME_BY_TEXT = new Map([...CME_ERRORS].map(([code, message]) => [normalise(message), code]));
const CMS_BY_TEXT = new Map(CMS_TABLE.map(([code, message]) => [normalise(message), code]));

/**
 * Reads the <err> of '+CME ERROR: <err>' / '+CMS ERROR: <err>': numeric (AT+CMEE=1) or verbose
 * (AT+CMEE=2). Returns the code when it is known, and a readable message either way.
 */
export function describeError(kind: 'CME' | 'CMS', err: string): { code?: number; message: string } {
  const text = err.trim().replace(/^"(.*)"$/, '$1');
  if (/^\d{1,5}$/.test(text)) {
    const code = Number(text);
    const message = kind === 'CMS' ? cmsError(code).message : (CME_ERRORS.get(code) ?? `error ${code}`);
    return { code, message };
  }
  const code = (kind === 'CMS' ? CMS_BY_TEXT : CME_BY_TEXT).get(normalise(text));
  return code === undefined ? { message: text || 'no reason given' } : { code, message: text };
}

/** A failed command: typed, with the modem's code and a readable message. */
export class AtError extends Error {
  override readonly name = 'AtError';
  readonly kind: AtErrorKind;
  /** The +CME/+CMS ERROR code; absent for other kinds and for verbose texts not in the tables. */
  readonly code?: number;
  /** The command as sent, without '\r' (and without the body of a prompt command). */
  readonly command: string;

  constructor(kind: AtErrorKind, command: string, message: string, code?: number) {
    super(`${command}: ${message}`);
    this.kind = kind;
    this.command = command;
    if (code !== undefined) this.code = code;
  }

  /**
   * Whether the same command may succeed later unchanged: a +CMS ERROR per the table above, a
   * timeout or a closed port (the modem or its USB link may come back). Everything else (ERROR,
   * +CME ERROR such as a wrong PIN) is a verdict on the command itself.
   */
  get retryable(): boolean {
    if (this.kind === 'CMS') return this.code === undefined || isRetryableCmsError(this.code);
    return this.kind === 'TIMEOUT' || this.kind === 'CLOSED';
  }
}
