/**
 * TP-VP (TS 23.040 §9.2.3.12). The encoder writes the relative format only (TP-VPF = 10): one
 * octet, a duration counted from when the SC receives the SMS-SUBMIT, on a scale that coarsens
 * as it grows:
 *
 *     0-143    (VP + 1) x 5 minutes          5 minutes .. 12 hours
 *   144-167    12 hours + (VP - 143) x 30 min  12h30 .. 24 hours
 *   168-196    (VP - 166) days               2 .. 30 days
 *   197-255    (VP - 192) weeks              5 .. 63 weeks
 *
 * A validity the scale cannot say exactly is rounded UP to the next value it can: a message the
 * caller allowed 7 minutes to live then gets 10, never 5, so the SC never drops it before the
 * caller's deadline (the gateway's own expiry check still applies at that deadline). Beyond the
 * largest value, 63 weeks, it is capped.
 *
 * The decoder also reads the enhanced format (§9.2.3.12.3) where it holds a duration.
 */
import { hexByte, invalidOption } from '../../encoding/encoding-errors';
import { pduError, PduReader } from './octets';

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** The TP-VP octet for at least `seconds` of validity (rounded up, capped at 63 weeks). */
export function relativeValidityPeriod(seconds: number): number {
  if (typeof seconds !== 'number' || Number.isNaN(seconds) || seconds < 0) {
    throw invalidOption('validitySeconds', `validitySeconds must be a number of seconds >= 0, got ${String(seconds)}`);
  }
  if (seconds <= 12 * HOUR) return Math.max(0, Math.ceil(seconds / (5 * MINUTE)) - 1);
  if (seconds <= DAY) return 143 + Math.ceil((seconds - 12 * HOUR) / (30 * MINUTE));
  if (seconds <= 30 * DAY) return 166 + Math.ceil(seconds / DAY);
  if (seconds <= 63 * WEEK) return 192 + Math.ceil(seconds / WEEK);
  return 255;
}

/** The duration a relative TP-VP octet stands for, in seconds. */
export function relativeValiditySeconds(validityPeriod: number): number {
  if (validityPeriod <= 143) return (validityPeriod + 1) * 5 * MINUTE;
  if (validityPeriod <= 167) return 12 * HOUR + (validityPeriod - 143) * 30 * MINUTE;
  if (validityPeriod <= 196) return (validityPeriod - 166) * DAY;
  return (validityPeriod - 192) * WEEK;
}

const ENHANCED_OCTETS = 7;
const EXTENSION_BIT = 0x80;

/**
 * The enhanced format: a functionality indicator octet (bits 2-0 say how the rest reads), six
 * more octets. Returns the duration in seconds, or null when it carries none (no validity, or a
 * reserved format or extended indicator we cannot read).
 */
export function readEnhancedValidity(reader: PduReader): number | null {
  const start = reader.offset;
  const octets = reader.take(ENHANCED_OCTETS, 'TP-VP (enhanced)');
  const indicator = octets[0];
  if (indicator & EXTENSION_BIT) return null;
  switch (indicator & 0b111) {
    case 0b001:
      return relativeValiditySeconds(octets[1]);
    case 0b010:
      return octets[1];
    case 0b011: {
      const [hours, minutes, seconds] = [1, 2, 3].map((index) => {
        const octet = octets[index];
        const tens = octet & 0x0f;
        const units = octet >> 4;
        if (tens > 9 || units > 9) {
          throw pduError('TP-VP (enhanced)', start + index, `${hexByte(octet)} is not two decimal semi-octets`);
        }
        return tens * 10 + units;
      });
      return hours * HOUR + minutes * MINUTE + seconds;
    }
    default:
      return null;
  }
}
