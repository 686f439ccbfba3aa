/**
 * How much text fits in one segment, given the User Data Header it carries (TS 23.040 §9.2.3.16 and
 * §9.2.3.24): the user data is 140 octets, and the UDH (UDHL octet included) comes off the top.
 */

export const USER_DATA_OCTETS = 140;
const USER_DATA_BITS = USER_DATA_OCTETS * 8;

/**
 * Septets a UDH of `udhOctets` occupies in GSM7 user data. The text after it must start on a
 * septet boundary, so the UDH is padded with fill bits up to the next multiple of 7 bits.
 */
export function udhSeptets(udhOctets: number): number {
  return Math.ceil((udhOctets * 8) / 7);
}

/** The fill bits between a UDH of `udhOctets` and the first septet of text (0 to 6). */
export function fillBits(udhOctets: number): number {
  return udhSeptets(udhOctets) * 7 - udhOctets * 8;
}

/** Septets of text per segment: 160 without UDH, 153 with an 8-bit concatenation IE, ... */
export function gsm7Capacity(udhOctets: number): number {
  return USER_DATA_BITS / 7 - udhSeptets(udhOctets);
}

/** UTF-16 code units of text per segment: 70 without UDH, 67 with an 8-bit concatenation IE, ... */
export function ucs2Capacity(udhOctets: number): number {
  return Math.floor((USER_DATA_OCTETS - udhOctets) / 2);
}
