/**
 * TP-SCTS, TP-DT and the absolute TP-VP (TS 23.040 §9.2.3.11): seven octets of swapped
 * semi-octets, year month day hour minute second, in the SC's local time, then the time zone:
 * the difference from GMT in quarters of an hour, with the sign in bit 3 (the tens digit of the
 * quarters sits in the low nibble, so its top bit is free for the sign).
 */
import { hexByte, invalidOption } from '../../encoding/encoding-errors';
import { pduError, PduReader } from './octets';

export interface PduTimestamp {
  /** Epoch milliseconds, the time zone applied. */
  time: number;
  /** Minutes east of GMT. */
  timeZoneOffsetMinutes: number;
}

export const TIMESTAMP_OCTETS = 7;
const QUARTER_HOUR = 15;
const MINUTE_MS = 60_000;
const SIGN_BIT = 0x08;
/** Two decimal digits, the tens digit limited to 3 bits by the sign: up to 79 quarters (19 h 45). */
const MAX_QUARTERS = 79;
/**
 * The year has two digits and TS 23.040 says nothing of the century. Published examples date from
 * the 1990s ('99' in the classic SMS-DELIVER example), live traffic from this century: 90-99 are
 * read as 1990-1999 and the rest as 2000-2089.
 */
const CENTURY_PIVOT = 90;

export function encodeTimestamp(time: number, timeZoneOffsetMinutes: number, field: string): Buffer {
  if (typeof time !== 'number' || !Number.isFinite(time)) {
    throw invalidOption(field, `${field} must be epoch milliseconds, got ${String(time)}`);
  }
  const quarters = typeof timeZoneOffsetMinutes === 'number' ? timeZoneOffsetMinutes / QUARTER_HOUR : Number.NaN;
  if (!Number.isInteger(quarters) || Math.abs(quarters) > MAX_QUARTERS) {
    const limit = MAX_QUARTERS * QUARTER_HOUR;
    const message = `the time zone must be a multiple of 15 minutes within ±${limit}, got ${timeZoneOffsetMinutes}`;
    throw invalidOption('timeZoneOffsetMinutes', message);
  }
  const local = new Date(time + timeZoneOffsetMinutes * MINUTE_MS);
  const year = local.getUTCFullYear();
  if (year < 1900 + CENTURY_PIVOT || year >= 2000 + CENTURY_PIVOT) {
    const range = `${1900 + CENTURY_PIVOT}-${1999 + CENTURY_PIVOT}`;
    throw invalidOption(field, `${field} ${local.toISOString()} is outside ${range}, which two year digits can say`);
  }
  const fields = [
    year % 100,
    local.getUTCMonth() + 1,
    local.getUTCDate(),
    local.getUTCHours(),
    local.getUTCMinutes(),
    local.getUTCSeconds(),
  ].map(swappedDecimal);
  const zone = swappedDecimal(Math.abs(quarters)) | (quarters < 0 ? SIGN_BIT : 0);
  return Buffer.from([...fields, zone]);
}

export function readTimestamp(reader: PduReader, field: string): PduTimestamp {
  const start = reader.offset;
  const octets = reader.take(TIMESTAMP_OCTETS, field);
  const digits = (index: number, name: string, min: number, max: number): number => {
    const octet = octets[index];
    const value = decimal(octet, field, start + index, name);
    if (value < min || value > max) throw pduError(field, start + index, `${name} ${value} is outside ${min}-${max}`);
    return value;
  };
  const twoDigitYear = digits(0, 'year', 0, 99);
  const year = twoDigitYear >= CENTURY_PIVOT ? 1900 + twoDigitYear : 2000 + twoDigitYear;
  const month = digits(1, 'month', 1, 12);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const day = digits(2, 'day', 1, daysInMonth);
  const hour = digits(3, 'hour', 0, 23);
  const minute = digits(4, 'minute', 0, 59);
  const second = digits(5, 'second', 0, 59);
  const zone = octets[6];
  const quarters = decimal(zone & ~SIGN_BIT, field, start + 6, 'time zone');
  const timeZoneOffsetMinutes = (zone & SIGN_BIT ? -quarters : quarters) * QUARTER_HOUR;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  // `|| 0` keeps a zone of -00 from coming back as -0.
  return { time: local - timeZoneOffsetMinutes * MINUTE_MS, timeZoneOffsetMinutes: timeZoneOffsetMinutes || 0 };
}

/** Two decimal digits, units in the high nibble: 23 -> 0x32. */
export function swappedDecimal(value: number): number {
  return ((value % 10) << 4) | Math.floor(value / 10);
}

function decimal(octet: number, field: string, offset: number, name: string): number {
  const tens = octet & 0x0f;
  const units = octet >> 4;
  if (tens > 9 || units > 9) throw pduError(field, offset, `${name} ${hexByte(octet)} is not two decimal semi-octets`);
  return tens * 10 + units;
}

