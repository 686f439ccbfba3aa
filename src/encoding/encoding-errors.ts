/**
 * The SmsGateErrors this module raises, built in one place so their messages read alike.
 *
 * Bytes that do not decode (malformed UDH, odd UCS-2 length, a byte that is no septet, ...) are
 * reported as USER_DATA_INVALID: the data does not carry text in the alphabet it claims.
 */
import { SmsGateError } from '../errors';

/** `'€' (U+20AC)`: the character and its code point, so invisible or look-alike characters can be told apart. */
export function describeCodePoint(codePoint: number): string {
  const hex = codePoint.toString(16).toUpperCase().padStart(4, '0');
  const printable = codePoint >= 0x20 && codePoint !== 0x7f && !(codePoint >= 0xd800 && codePoint <= 0xdfff);
  return printable ? `'${String.fromCodePoint(codePoint)}' (U+${hex})` : `U+${hex}`;
}

export function hexByte(value: number): string {
  return `0x${value.toString(16).toUpperCase().padStart(2, '0')}`;
}

export function invalidOption(field: string, message: string): SmsGateError {
  return new SmsGateError('OPTION_INVALID', message, { field });
}

export function undecodable(field: string, message: string): SmsGateError {
  return new SmsGateError('USER_DATA_INVALID', message, { field });
}

/** Throws OPTION_INVALID unless `value` is an integer in [min, max]. */
export function checkInteger(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(field, `${field} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}
