import { ParseError, parsePhoneNumberWithError, type MetadataJson } from 'libphonenumber-js/core';
import {
  validatePhoneNumberLength,
  type CountryCode,
  type NumberType,
  type PhoneNumber,
} from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/max/metadata';
import { SmsGateError, type ErrorCode } from '../errors';
import type { NumberInfo } from '../types';
import { countryAmong, numberType } from './number-type';
import { quote } from './quote';
import { resolveRegion } from './region';

export interface ParseNumberOptions {
  /** Region to read national numbers in (`07400 123456` with `GB`); ISO 3166-1 alpha-2. */
  region?: string;
  /** The input's name in errors; `to` unless the caller says otherwise. */
  field?: string;
}

/** A verified recipient before its network is known. */
export type ParsedNumber = Omit<NumberInfo, 'carrier'>;

/**
 * Reads a recipient number, checks it against libphonenumber's full ("max") metadata and
 * normalises it to E.164. Throws SmsGateError with a code saying what is wrong and a message
 * naming the number.
 *
 * It runs once per message, so the valid path does the minimum: one parse and one type match.
 * The max metadata has type patterns for every region, and with them libphonenumber's own
 * `isValid()` is "some type matches", so calling it after `getType()` would only repeat the same
 * regular expressions (a property test holds parseNumber to `isValid()`), and the type match is
 * number-type.ts's cached-RegExp copy of `getType()`. Where countries share a calling code
 * (+1, +44, +7 ...), the parse is told only the code's main country, and number-type.ts's
 * compiled copy of the parse's own step picks the country (the same tests hold it to the
 * library's country): the library's step matched every country's uncompiled patterns, about a
 * tenth of the gateway's CPU time per message sent to a +44 number. Classifying a failure
 * costs a second parse, but only failures pay it.
 */
export function parseNumber(input: string, options: ParseNumberOptions = {}): ParsedNumber {
  const field = options.field ?? 'to';
  const region = resolveRegion(options.region);
  // JavaScript callers (Node-RED, n8n) may hand over a number or null from a payload.
  if (typeof input !== 'string') {
    throw new SmsGateError('NUMBER_NOT_A_NUMBER', `Number ${String(input)} is not text`, { field });
  }

  let phone = parse(input, region, field, MAIN_COUNTRY_ONLY);
  if (phone.ext !== undefined) {
    throw new SmsGateError('NUMBER_INVALID', `Number ${quote(input)} has an extension, which SMS cannot reach`, {
      field,
    });
  }
  const shared = SHARED_CALLING_CODES.get(phone.countryCallingCode);
  let found: { country: CountryCode | undefined; type: NumberType } | undefined =
    shared === undefined ? { country: phone.country, type: numberType(phone) } : countryAmong(shared, phone.nationalNumber);
  if (found === undefined) {
    // No country sharing the code claims it: the library's own parse says what it is then.
    phone = parse(input, region, field, metadata);
    found = { country: phone.country, type: numberType(phone) };
  }
  const { country, type } = found;
  if (type === undefined) throw invalidNumber(input, region, country ?? `+${phone.countryCallingCode}`, field);
  return { input, e164: phone.number, country: country ?? null, type };
}

/** The countries of each calling code that several share, in the metadata's order (the main one first). */
const SHARED_CALLING_CODES = new Map(Object.entries(metadata.country_calling_codes).filter(([, countries]) => countries.length > 1)) as Map<
  string,
  CountryCode[]
>;

/** The max metadata with each calling code naming its main country only (see parseNumber). */
const MAIN_COUNTRY_ONLY: MetadataJson = {
  ...metadata,
  country_calling_codes: Object.fromEntries(Object.entries(metadata.country_calling_codes).map(([code, countries]) => [code, countries.slice(0, 1)])),
};

/**
 * Surrounding blanks are dropped (CSV cells, form fields), anything else around the number is
 * not: `extract: false` makes "call +44 7400 123456" an error instead of a silent guess.
 */
function parse(input: string, region: CountryCode | undefined, field: string, using: MetadataJson): PhoneNumber {
  try {
    return parsePhoneNumberWithError(input.trim(), { defaultCountry: region, extract: false }, using);
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    if (error.message === 'INVALID_COUNTRY') throw noCountry(input, region, field);
    throw new SmsGateError(PARSE_ERROR_CODES[error.message] ?? 'NUMBER_INVALID', describe(input, error.message), {
      field,
    });
  }
}

/** The parser could not tell which country's rules apply. */
function noCountry(input: string, region: CountryCode | undefined, field: string): SmsGateError {
  // A region was given, or the number starts with a plus: then the number named a calling code
  // no country has (+999, or 00999 dialled from the region).
  if (region !== undefined || /^[+\uFF0B]/.test(input.trim())) {
    return new SmsGateError('NUMBER_INVALID', `Number ${quote(input)} has no known country calling code`, { field });
  }
  return new SmsGateError(
    'REGION_UNKNOWN',
    `Number ${quote(input)} is national: write it with + and the country code, or give a region to read it in`,
    { field },
  );
}

/** Parsed but not valid: say whether the length is off or the digits just are not in use. */
function invalidNumber(input: string, region: CountryCode | undefined, where: string, field: string): SmsGateError {
  const verdict = validatePhoneNumberLength(input.trim(), { defaultCountry: region });
  const code = (verdict && PARSE_ERROR_CODES[verdict]) ?? 'NUMBER_INVALID';
  return new SmsGateError(code, describe(input, verdict, ` for ${where}`), { field });
}

/** libphonenumber-js error and length verdicts, as smsgate codes. */
const PARSE_ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  NOT_A_NUMBER: 'NUMBER_NOT_A_NUMBER',
  TOO_SHORT: 'NUMBER_TOO_SHORT',
  TOO_LONG: 'NUMBER_TOO_LONG',
  INVALID_LENGTH: 'NUMBER_INVALID',
};

/** The message for a verdict; `where` (` for GB`) is added once the number's country is known. */
function describe(input: string, verdict: string | undefined, where = ''): string {
  const number = quote(input);
  switch (verdict) {
    case 'NOT_A_NUMBER':
      return `${number} is not a phone number`;
    case 'TOO_SHORT':
      return `Number ${number} is too short${where}`;
    case 'TOO_LONG':
      return `Number ${number} is too long${where}`;
    case 'INVALID_LENGTH':
      return `Number ${number} has a wrong length${where}`;
    default:
      return `Number ${number} is not a valid number${where}`;
  }
}
