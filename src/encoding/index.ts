/** The GSM 03.38 / UCS-2 encoding and segmentation core. */
export type {
  ConcatInfo,
  EncodedMessage,
  EncodeOptions,
  Encoding,
  EncodingChoice,
  LanguageTables,
  NationalLanguage,
  Segment,
  UserDataHeader,
} from './types';
export { DEFAULT_MAX_SEGMENTS, encodeMessage } from './encode';
export { decodeUserData } from './decode';
export type { DecodedUserData, DecodeOptions } from './decode';
export { gsm7Length, isGsm7 } from './gsm7-charset';
export { packSeptets, unpackSeptets } from './septets';
export { parseUdh } from './udh';
export { DEFAULT_REASSEMBLY_TIMEOUT_MS, Reassembler } from './reassembler';
export type { AddResult, IncompleteMessage, MessagePart } from './reassembler';
export { NATIONAL_LANGUAGES } from './languages';
