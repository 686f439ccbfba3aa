import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { SmsGateError } from '../errors';
import type { SenderAddress, SenderKind } from '../types';
import { quote } from './quote';
import { resolveRegion } from './region';

export interface ParseSenderOptions {
  /** Region national senders must be valid in; without one only their length is checked. */
  region?: string;
  /** The input's name in errors; `from` unless the caller says otherwise. */
  field?: string;
  /** Forces the kind instead of guessing it from the text. */
  kind?: SenderKind;
}

// Type of number (TON) and numbering plan indicator (NPI), SMPP 3.4 section 5.2.5 / 5.2.6.
const TON_INTERNATIONAL = 1;
const TON_NATIONAL = 2;
const TON_NETWORK_SPECIFIC = 3;
const TON_ALPHANUMERIC = 5;
const NPI_UNKNOWN = 0;
const NPI_ISDN_E164 = 1;

const SENDER_KINDS: readonly SenderKind[] = ['alphanumeric', 'international', 'national', 'shortcode'];

/** Alphanumeric senders travel as GSM 7-bit text of at most 11 characters (TS 23.040 9.1.2.5). */
const MAX_ALPHANUMERIC_LENGTH = 11;
/** E.164 allows at most 15 digits, country code included. */
const MAX_NUMBER_DIGITS = 15;
const MIN_SHORTCODE_DIGITS = 3;
const MAX_SHORTCODE_DIGITS = 8;

/**
 * The printable characters of the GSM 03.38 default alphabet's basic table (no CR, LF or the
 * escape to the extension table: €, [ and friends take two septets, which sender fields and many
 * handsets do not handle). Kept here rather than shared with the text encoder on purpose: this
 * check must stay small and never depend on how message text is encoded.
 */
const GSM_BASIC_CHARACTERS = new Set(
  '@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);

const DIGITS = /^[0-9]+$/;

/**
 * Validates a sender (`from`) and works out how it goes on the wire. Without `kind`:
 * a leading `+` means international, digits alone mean a short code (3 to 8 digits) or a national
 * number (more), anything else is alphanumeric.
 *
 * Short codes get TON 3 (network specific) with NPI 0 (unknown): a short code is only meaningful
 * inside its operator's network and belongs to no numbering plan. That is what most SMSCs expect,
 * though some want TON 0 (unknown); force that in the transport if a provider asks for it.
 */
export function parseSender(from: string, options: ParseSenderOptions = {}): SenderAddress {
  const field = options.field ?? 'from';
  const region = resolveRegion(options.region);
  // JavaScript callers (Node-RED, n8n) may hand over a number or null from a payload.
  if (typeof from !== 'string') {
    throw new SmsGateError('SENDER_INVALID', `Sender ${String(from)} is not text`, { field });
  }
  const kind = options.kind ?? guessKind(from);
  switch (kind) {
    case 'alphanumeric':
      return alphanumeric(from, field);
    case 'international':
      return international(from, field);
    case 'national':
      return national(from, region, field);
    case 'shortcode':
      return shortcode(from, field);
    default:
      throw new SmsGateError(
        'SENDER_TYPE_UNKNOWN',
        `Sender kind ${quote(String(kind))} is unknown; use one of ${SENDER_KINDS.join(', ')}`,
        { field: `${field}Type` },
      );
  }
}

function guessKind(from: string): SenderKind {
  if (from.startsWith('+')) return 'international';
  if (!DIGITS.test(from)) return 'alphanumeric';
  return from.length <= MAX_SHORTCODE_DIGITS ? 'shortcode' : 'national';
}

function alphanumeric(from: string, field: string): SenderAddress {
  if (from.trim() === '') throw new SmsGateError('SENDER_INVALID', `Sender ${quote(from)} is empty`, { field });
  const characters = [...from];
  const foreign = characters.find((character) => !GSM_BASIC_CHARACTERS.has(character));
  if (foreign !== undefined) {
    const codePoint = `U+${foreign.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')}`;
    const message =
      `Sender ${quote(from)} contains ${quote(foreign)} (${codePoint}), ` +
      'which is not in the GSM 03.38 default alphabet';
    throw new SmsGateError('SENDER_INVALID', message, { field });
  }
  if (characters.length > MAX_ALPHANUMERIC_LENGTH) {
    const message =
      `Sender ${quote(from)} is ${characters.length} characters long; ` +
      `alphanumeric senders allow at most ${MAX_ALPHANUMERIC_LENGTH}`;
    throw new SmsGateError('SENDER_TOO_LONG', message, { field });
  }
  return { kind: 'alphanumeric', address: from, ton: TON_ALPHANUMERIC, npi: NPI_UNKNOWN };
}

/** `+` and digits, or bare digits in E.164 form when the caller forced the kind. */
function international(from: string, field: string): SenderAddress {
  const digits = from.startsWith('+') ? from.slice(1) : from;
  checkDigits(from, digits, 1, MAX_NUMBER_DIGITS, 'international numbers', field);
  if (digits.startsWith('0')) {
    const message = `Sender ${quote(from)} is not international: country codes never start with 0`;
    throw new SmsGateError('SENDER_INVALID', message, { field });
  }
  return { kind: 'international', address: digits, ton: TON_INTERNATIONAL, npi: NPI_ISDN_E164 };
}

function national(from: string, region: CountryCode | undefined, field: string): SenderAddress {
  checkDigits(from, from, 1, MAX_NUMBER_DIGITS, 'national numbers', field);
  if (region !== undefined) checkNationalNumber(from, region, field);
  return { kind: 'national', address: from, ton: TON_NATIONAL, npi: NPI_ISDN_E164 };
}

function shortcode(from: string, field: string): SenderAddress {
  checkDigits(from, from, MIN_SHORTCODE_DIGITS, MAX_SHORTCODE_DIGITS, 'short codes', field);
  return { kind: 'shortcode', address: from, ton: TON_NETWORK_SPECIFIC, npi: NPI_UNKNOWN };
}

/** Digits only, and between `min` and `max` of them; `what` names the kind in plural for messages. */
function checkDigits(from: string, digits: string, min: number, max: number, what: string, field: string): void {
  const foreign = [...digits].find((character) => character < '0' || character > '9');
  if (foreign !== undefined) {
    const message = `Sender ${quote(from)} contains ${quote(foreign)}, but ${what} are digits`;
    throw new SmsGateError('SENDER_INVALID', message, { field });
  }
  if (digits.length > max) {
    throw new SmsGateError(
      'SENDER_TOO_LONG',
      `Sender ${quote(from)} has ${digits.length} digits; ${what} have at most ${max}`,
      { field },
    );
  }
  if (digits.length < min) {
    throw new SmsGateError(
      'SENDER_INVALID',
      `Sender ${quote(from)} has ${digits.length} digits; ${what} have at least ${min}`,
      { field },
    );
  }
}

/**
 * With a region, a national sender must be a number in use there, written as it is dialled there.
 * Reading it is lenient (`447400123456` in GB reads as +44 7400 123456), but on the wire a
 * national address is taken literally, so the digits must be the national form's digits.
 */
function checkNationalNumber(from: string, region: CountryCode, field: string): void {
  const phone = parsePhoneNumberFromString(from, { defaultCountry: region, extract: false });
  const valid = phone !== undefined && phone.isValid();
  if (valid && phone.formatNational().replace(/[^0-9]/g, '') === from) return;
  const hint = valid ? `; it reads as ${phone.number}, so send it as international` : '';
  throw new SmsGateError('SENDER_INVALID', `Sender ${quote(from)} is not a national number of ${region}${hint}`, {
    field,
  });
}
