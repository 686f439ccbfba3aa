/** Domain types shared by several core modules. Module-specific types live with their module. */

/** Number types as libphonenumber names them. */
export type NumberType =
  | 'MOBILE'
  | 'FIXED_LINE'
  | 'FIXED_LINE_OR_MOBILE'
  | 'PREMIUM_RATE'
  | 'TOLL_FREE'
  | 'SHARED_COST'
  | 'VOIP'
  | 'PERSONAL_NUMBER'
  | 'PAGER'
  | 'UAN'
  | 'VOICEMAIL';

/** A recipient after verification. */
export interface NumberInfo {
  /** What the caller gave, untouched. */
  input: string;
  /** Normalised, `+` and digits. */
  e164: string;
  /** ISO 3166-1 alpha-2 region, e.g. `GB`; null for non-geographic numbers (+800, +882, ...). */
  country: string | null;
  /** Type as libphonenumber determines it; null when the metadata cannot tell. */
  type: NumberType | null;
  /** The recipient's network (prefix data or a lookup provider); null when unknown. */
  carrier: string | null;
}

/** The kinds of sender address an SMSC or a modem can carry. */
export type SenderKind = 'alphanumeric' | 'international' | 'national' | 'shortcode';

/** A validated sender with the type of number / numbering plan it implies (SMPP and TS 23.040 values). */
export interface SenderAddress {
  kind: SenderKind;
  /** As it goes on the wire: digits without `+` for international, the text for alphanumeric. */
  address: string;
  ton: number;
  npi: number;
}

export const MESSAGE_STATES = [
  'QUEUED',
  'SUBMITTED',
  'DELIVERED',
  'UNDELIVERED',
  'EXPIRED',
  'REJECTED',
  'DELETED',
  'UNKNOWN',
  'FAILED',
] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

/** The states a message leaves no more: all but QUEUED and SUBMITTED. */
export const FINAL_STATES: ReadonlySet<MessageState> = new Set(
  MESSAGE_STATES.filter((state) => state !== 'QUEUED' && state !== 'SUBMITTED'),
);
