/**
 * The checks a send request passes before the gateway does anything with it: every field's
 * type, range and size. A request comes from code we do not control (a flow's msg, an n8n
 * item, a script's JSON), so nothing here trusts the TypeScript type: what is wrong is refused
 * with an SmsGateError naming the field, never passed on to fail later as a TypeError, a raw
 * store error, a message that fails only after every retry, or bytes the SMSC cannot read.
 *
 * What a field's value means against the rest (a schedule inside the validity period, a
 * number in its region, a text within its segments) the gateway decides; here it is only the
 * value itself.
 */
import { SmsGateError, type ErrorCode } from '../errors';
import { quote } from '../numbers/quote';
import type { SenderKind } from '../types';
import type { SendRequest } from './gateway';

/** Longest idempotency key, in UTF-16 code units: room for a UUID, a URL or a composite key, not for a document. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;
/** Longest correlation value: a caller's reference or a small JSON object, stored with the message and returned with its reports. */
export const MAX_CORRELATION_LENGTH = 1024;
/** Longest tag: a label the route table matches on. */
export const MAX_TAG_LENGTH = 256;

/** Shorter than a second is no validity any SMSC or modem can carry. */
export const MIN_VALIDITY_SECONDS = 1;
/**
 * 63 weeks: the longest relative validity GSM can express (TP-VP 255, TS 23.040 §9.2.3.12.1),
 * so the longest a modem can ask of its SMSC, and the limit a config file's
 * `defaults.validitySeconds` already has. An SMPP SMSC is given the same end as an absolute
 * time and caps it at its own maximum (often days); a longer one would only keep a message
 * nobody can deliver queued for longer.
 */
export const MAX_VALIDITY_SECONDS = 63 * 7 * 24 * 3600;

const MAX_SEGMENTS = 255;
const SENDER_KINDS: readonly SenderKind[] = ['alphanumeric', 'international', 'national', 'shortcode'];
const ENCODINGS = ['auto', 'gsm7', 'ucs2'] as const;
const STRATEGIES = ['failover', 'round-robin'] as const;
type OptionalField = Exclude<keyof SendRequest, 'to' | 'text'>;
/**
 * The check of each optional field, in the order they are checked. Made once, not per request:
 * a closure for each field on every send was garbage on every message's path (a bulk run of
 * 50 000 rows: 35 MB).
 */
const OPTIONAL_CHECKS: { readonly [K in OptionalField]-?: (value: unknown, field: K) => SendRequest[K] } = {
  from: string,
  fromType: (value, field) => oneOf(value, field, SENDER_KINDS, 'SENDER_TYPE_UNKNOWN'),
  region: string,
  tag: (value, field) => boundedString(value, field, 0, MAX_TAG_LENGTH),
  correlation: (value, field) => boundedString(value, field, 0, MAX_CORRELATION_LENGTH),
  idempotencyKey: (value, field) => boundedString(value, field, 1, MAX_IDEMPOTENCY_KEY_LENGTH),
  deliveryReport: boolean,
  validitySeconds: (value, field) => numberIn(value, field, MIN_VALIDITY_SECONDS, MAX_VALIDITY_SECONDS, 'seconds'),
  priority: (value, field) => integerIn(value, field, 0, 3),
  scheduleAt,
  encoding: (value, field) => oneOf(value, field, ENCODINGS),
  smart: boolean,
  maxSegments: (value, field) => integerIn(value, field, 1, MAX_SEGMENTS),
  reference16: boolean,
  transports: transportIds,
  strategy: (value, field) => oneOf(value, field, STRATEGIES),
};
const OPTIONAL_FIELDS = Object.keys(OPTIONAL_CHECKS) as OptionalField[];
const FIELDS: readonly (keyof SendRequest)[] = ['to', 'text', ...OPTIONAL_FIELDS];
const KNOWN_FIELDS: ReadonlySet<string> = new Set(FIELDS);

/**
 * The request as the gateway may trust it: a fresh object holding only the fields given, each
 * of its declared type and within its bounds. Throws SmsGateError naming the field otherwise.
 */
export function checkSendRequest(request: unknown): SendRequest {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new SmsGateError('OPTION_INVALID', `a send request must be an object with "to" and "text", got ${describe(request)}`, {
      field: 'request',
    });
  }
  const given = request as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!KNOWN_FIELDS.has(key)) {
      throw invalid(key, `unknown field ${quote(key)} in a send request (expected one of: ${FIELDS.join(', ')})`);
    }
  }

  const checked: SendRequest = {
    to: requiredString(given, 'to'),
    text: wellFormedText(requiredString(given, 'text')),
  };
  const fields = checked as unknown as Record<OptionalField, unknown>;
  for (const field of OPTIONAL_FIELDS) {
    const value = given[field];
    if (value !== undefined) fields[field] = (OPTIONAL_CHECKS[field] as (value: unknown, field: string) => unknown)(value, field);
  }
  return checked;
}

function requiredString(given: Record<string, unknown>, field: 'to' | 'text'): string {
  if (given[field] === undefined) throw invalid(field, `${field} is missing from the send request`);
  return string(given[field], field);
}

function string(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(field, `${field} must be a string, got ${describe(value)}`);
  return value;
}

/** A string stored with the message: of bounded length, and text a store and a log can hold as it is. */
function boundedString(value: unknown, field: string, min: number, max: number): string {
  const text = string(value, field);
  if (text.length < min) throw invalid(field, `${field} must not be empty (leave it out for none)`);
  if (text.length > max) throw invalid(field, `${field} is ${text.length} characters long, more than the limit of ${max}`);
  const at = loneSurrogateAt(text);
  if (at !== -1) throw invalid(field, `${field} has ${loneSurrogate(text, at)}`);
  return text;
}

/**
 * UCS-2 would carry a lone surrogate as it is (d800), which no handset can show, and GSM 7-bit
 * cannot carry it at all: it is a broken string (a cut emoji, a bad decode), refused here.
 */
function wellFormedText(text: string): string {
  const at = loneSurrogateAt(text);
  if (at !== -1) throw refusal('TEXT_NOT_ENCODABLE', 'text', `text has ${loneSurrogate(text, at)}; it is not well-formed UTF-16`);
  return text;
}

/** The index of the first surrogate that is not half of a pair, or -1. */
export function loneSurrogateAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    const next = i + 1 < text.length ? text.charCodeAt(i + 1) : -1;
    if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++;
      continue;
    }
    return i;
  }
  return -1;
}

function loneSurrogate(text: string, at: number): string {
  const unit = text.charCodeAt(at);
  const hex = unit.toString(16).toUpperCase();
  const half = unit <= 0xdbff ? 'a high surrogate with no low surrogate after it' : 'a low surrogate with no high surrogate before it';
  return `a lone UTF-16 surrogate U+${hex} at position ${at} (counted in UTF-16 code units from 0; ${half})`;
}

function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw invalid(field, `${field} must be true or false, got ${describe(value)}`);
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, choices: readonly T[], code: ErrorCode = 'OPTION_INVALID'): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw refusal(code, field, `${field} must be one of ${choices.join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

function numberIn(value: unknown, field: string, min: number, max: number, unit: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalid(field, `${field} must be a number of ${unit} from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

function integerIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `${field} must be a whole number from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

/** A Date or epoch milliseconds that stand for a real time; whether it falls within the validity period the gateway decides. */
function scheduleAt(value: unknown, field: string): Date | number {
  const time = value instanceof Date ? value.getTime() : value;
  if (typeof time !== 'number' || !Number.isFinite(time)) {
    throw invalid(field, `${field} must be a date or epoch milliseconds, got ${describe(value)}`);
  }
  return value as Date | number;
}

/** A caller's own transport list, checked for shape only: ids not added yet are allowed. */
function transportIds(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid(field, `${field} must be a non-empty list of transport ids, got ${describe(value)}`);
  }
  const ids: string[] = [];
  for (const [index, id] of (value as unknown[]).entries()) {
    if (typeof id !== 'string' || id === '') throw invalid(field, `${field}[${index}] must be a transport id, got ${describe(id)}`);
    if (ids.includes(id)) throw invalid(field, `${field} names ${quote(id)} twice`);
    ids.push(id);
  }
  return ids;
}

function invalid(field: string, message: string): SmsGateError {
  return refusal('OPTION_INVALID', field, message);
}

function refusal(code: ErrorCode, field: string, message: string): SmsGateError {
  return new SmsGateError(code, message, { field });
}

/** How a wrong value reads in a message: its type, and a short quote of it where that helps. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid date' : 'a date';
  switch (typeof value) {
    case 'string':
      return `the string ${quote(value)}`;
    case 'number':
      return String(value);
    case 'object':
      return 'an object';
    case 'undefined':
      return 'nothing';
    default:
      return `a ${typeof value}`;
  }
}
