import { getCountries, getCountryCallingCode } from 'libphonenumber-js/max';

/** Non-geographic country calling codes (ITU-T E.164 global services), which have no region. */
const NON_GEOGRAPHIC = ['800', '808', '870', '878', '881', '882', '883', '888', '979'];

let codes: Set<string> | undefined;

/**
 * The country calling code an E.164 number (`+` and digits) starts with, or undefined when none
 * is known. Calling codes are prefix-free, so at most one of the first 1 to 3 digits is one.
 */
export function callingCodeOf(e164: string): string | undefined {
  codes ??= new Set([...getCountries().map((country) => getCountryCallingCode(country)), ...NON_GEOGRAPHIC]);
  const digits = e164.startsWith('+') ? e164.slice(1) : e164;
  for (let length = 1; length <= 3; length++) {
    const prefix = digits.slice(0, length);
    if (codes.has(prefix)) return prefix;
  }
  return undefined;
}
