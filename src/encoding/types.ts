/** Public types of the encoding core. */

/** The alphabet a message is sent in. */
export type Encoding = 'GSM7' | 'UCS2';

/** What the caller asks for: the cheapest alphabet (`auto`), or one forced. */
export type EncodingChoice = 'auto' | 'gsm7' | 'ucs2';

/** The national languages of 3GPP TS 23.038 §6.2.1.2 that have shift tables. */
export type NationalLanguage =
  | 'turkish'
  | 'spanish'
  | 'portuguese'
  | 'bengali'
  | 'gujarati'
  | 'hindi'
  | 'kannada'
  | 'malayalam'
  | 'oriya'
  | 'punjabi'
  | 'tamil'
  | 'telugu'
  | 'urdu';

export interface EncodeOptions {
  /** Default 'auto'. */
  encoding?: EncodingChoice;
  /** Replace look-alikes (curly quotes, dashes, odd spaces, ...) so the text stays GSM7. Default false. */
  smart?: boolean;
  /** National shift tables the recipient may be sent; used only when they save segments. Default none. */
  nationalLanguages?: readonly NationalLanguage[];
  /** Refuse messages that need more segments than this. Default 10, at most 255. */
  maxSegments?: number;
  /** Concatenation reference: 0..255, or 0..65535 with `reference16`. Default random. */
  reference?: number;
  /** Use the 16-bit reference IE (0x08) instead of the 8-bit one (0x00). Default false. */
  reference16?: boolean;
}

export interface Segment {
  /** The text this segment carries. */
  text: string;
  /** Septets (GSM7, an escaped character counts two) or UTF-16 code units (UCS2) of the payload. */
  units: number;
  /** The complete UDH including the UDHL octet; an empty Buffer when there is none. */
  udh: Buffer;
  /** GSM7: unpacked septets, one per byte, escapes included. UCS2: UTF-16BE. */
  payload: Buffer;
}

/** The national tables a GSM7 message uses; absent means the default alphabet / extension table. */
export interface LanguageTables {
  locking?: NationalLanguage;
  single?: NationalLanguage;
}

export interface EncodedMessage {
  /** The text after smart replacement: what is actually sent. */
  text: string;
  encoding: Encoding;
  /** SMPP data_coding / TS 23.038 DCS: 0 for GSM7, 8 for UCS2. */
  dataCoding: number;
  /** Total septets (escaped characters count two) or UTF-16 code units. */
  units: number;
  /** The per-segment limit that applied: 160/153/70/67, or less with shift tables or a 16-bit reference. */
  unitsPerSegment: number;
  segments: Segment[];
  /** segments.map(s => s.text) */
  parts: string[];
  /** Present when national shift tables are used. */
  language?: LanguageTables;
  /** Present when the message is concatenated. */
  reference?: number;
}

export interface ConcatInfo {
  reference: number;
  total: number;
  sequence: number;
  /** True when the reference came in the 16-bit IE (0x08). */
  ref16: boolean;
}

/** A parsed User Data Header (TS 23.040 §9.2.3.24). */
export interface UserDataHeader {
  concat?: ConcatInfo;
  lockingShift?: NationalLanguage;
  singleShift?: NationalLanguage;
  /** The information elements not interpreted above, in order. */
  other: { iei: number; data: Buffer }[];
}
