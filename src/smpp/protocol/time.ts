/**
 * The SMPP time format (SMPP 3.4 §7.1.1) of schedule_delivery_time and validity_period:
 * `YYMMDDhhmmsstnnp`, t tenths of a second, nn the offset from UTC in quarter hours, p its sign
 * or `R` for a time relative to the SMSC's clock (§7.1.1.2: `020610233429000R` is 2 years, 6
 * months, 10 days, 23:34:29 from now).
 */
import { SmsGateError } from '../../errors';

export type SmppTime = Date | { relativeSeconds: number };

/** Relative times carry days at most, in two digits: months and years have no fixed length. */
const MAX_RELATIVE_SECONDS = 100 * 86_400 - 1;

/**
 * Absolute times are written in UTC (`00+`), so they mean the same whatever the SMSC's zone and
 * ours; relative ones as days, hours, minutes and seconds (years and months `00`), at most
 * 99 days 23:59:59. Throws OPTION_INVALID, naming `field`, for a time the format cannot carry.
 */
export function formatSmppTime(time: SmppTime, field = 'time'): string {
  if (time instanceof Date) return absolute(time, field);
  const seconds = time.relativeSeconds;
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_RELATIVE_SECONDS) {
    throw invalid(field, `a relative time must be whole seconds from 0 to ${MAX_RELATIVE_SECONDS}, got ${seconds}`);
  }
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor(seconds / 3600) % 24;
  const minutes = Math.floor(seconds / 60) % 60;
  return `0000${two(days)}${two(hours)}${two(minutes)}${two(seconds % 60)}000R`;
}

function absolute(date: Date, field: string): string {
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 2000 || year > 2099) {
    throw invalid(field, `an absolute time must fall in 2000-2099 (two-digit years), got ${date.toString()}`);
  }
  const tenths = Math.floor(date.getUTCMilliseconds() / 100);
  return (
    two(year % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    `${tenths}00+`
  );
}

function two(value: number): string {
  return String(value).padStart(2, '0');
}

function invalid(field: string, message: string): SmsGateError {
  return new SmsGateError('OPTION_INVALID', message, { field });
}
