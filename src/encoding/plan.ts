/**
 * Choosing how to send a text: which alphabet (GSM7 with which tables, or UCS-2) and where the
 * segments are cut. The fewest segments win. The GSM7 default alphabet is preferred to UCS-2, and
 * national shift tables are used only when they save a segment over both; among national choices
 * one table beats two (a smaller UDH), then fewer septets win, then the lower language identifier.
 */
import { gsm7Capacity, ucs2Capacity } from './capacity';
import { Gsm7Charset, gsm7Charset } from './gsm7-charset';
import { hasLockingShiftTable, languageId } from './languages';
import { segmentStarts } from './segmenter';
import type { Encoding, EncodingChoice, LanguageTables, NationalLanguage } from './types';
import { udhLength } from './udh';

export interface Plan {
  encoding: Encoding;
  /** The GSM 7-bit character set; undefined for UCS2. */
  charset?: Gsm7Charset;
  /** Units (septets or UTF-16 code units) each code point of the text costs. */
  sizes: number[];
  units: number;
  unitsPerSegment: number;
  /** Index of the first code point of each segment. */
  starts: number[];
}

export interface PlanRequest {
  encoding: EncodingChoice;
  nationalLanguages: readonly NationalLanguage[];
  ref16: boolean;
}

/** The cheapest plan for these code points, or undefined when GSM7 is forced and no allowed table carries them. */
export function choosePlan(codePoints: readonly number[], request: PlanRequest): Plan | undefined {
  const gsm7 = request.encoding === 'ucs2' ? undefined : measure(codePoints, gsm7Charset(), request.ref16);
  const ucs2 = request.encoding === 'gsm7' ? undefined : measure(codePoints, undefined, request.ref16);
  // The default alphabet never needs more segments than UCS-2: at most two septets per character
  // gives at least 80 / 76 characters a segment against 70 / 67.
  const plain = gsm7 ?? ucs2;
  if (request.encoding === 'ucs2' || request.nationalLanguages.length === 0 || plain?.starts.length === 1) return plain;
  return cheapestNational(codePoints, request, plain) ?? plain;
}

/** The cheapest national plan that needs fewer segments than `plain`, if any. */
function cheapestNational(
  codePoints: readonly number[],
  request: PlanRequest,
  plain: Plan | undefined,
): Plan | undefined {
  const counts = new Map<number, number>();
  for (const codePoint of codePoints) counts.set(codePoint, (counts.get(codePoint) ?? 0) + 1);
  let best: Plan | undefined;
  for (const charset of nationalCharsets(request.nationalLanguages)) {
    // Up to 180 combinations: rule most out from the character counts before segmenting.
    const fewest = fewestSegments(counts, charset, request.ref16);
    if (fewest === undefined) continue;
    if ((plain && fewest >= plain.starts.length) || (best && fewest > best.starts.length)) continue;
    const plan = measure(codePoints, charset, request.ref16);
    if (plan === undefined || (plain && plan.starts.length >= plain.starts.length)) continue;
    if (best === undefined || cheaper(plan, best)) best = plan;
  }
  return best;
}

/**
 * A lower bound of the segments the charset needs (no segment holds more than its capacity), or
 * undefined when it cannot carry the text.
 */
function fewestSegments(counts: ReadonlyMap<number, number>, charset: Gsm7Charset, ref16: boolean): number | undefined {
  let units = 0;
  for (const [codePoint, count] of counts) {
    const cost = charset.cost(codePoint);
    if (cost === 0) return undefined;
    units += cost * count;
  }
  if (units <= gsm7Capacity(udhLength(undefined, charset.shiftTables))) return 1;
  return Math.ceil(units / gsm7Capacity(udhLength({ ref16 }, charset.shiftTables)));
}

/** Fewer segments; then fewer tables (a smaller UDH); then fewer septets (more room left). */
function cheaper(a: Plan, b: Plan): boolean {
  if (a.starts.length !== b.starts.length) return a.starts.length < b.starts.length;
  const tablesA = a.charset?.shiftTables ?? 0;
  const tablesB = b.charset?.shiftTables ?? 0;
  if (tablesA !== tablesB) return tablesA < tablesB;
  return a.units < b.units;
}

const combinationsCache = new Map<string, Gsm7Charset[]>();

/** Every combination of the allowed national tables with each other and with the default ones, in tie-break order. */
export function nationalCharsets(languages: readonly NationalLanguage[]): Gsm7Charset[] {
  const ordered = [...new Set(languages)].sort((a, b) => languageId(a) - languageId(b));
  const key = ordered.join();
  let charsets = combinationsCache.get(key);
  if (charsets === undefined) {
    charsets = combinations(ordered).map((tables) => gsm7Charset(tables));
    combinationsCache.set(key, charsets);
  }
  return charsets;
}

function combinations(ordered: NationalLanguage[]): LanguageTables[] {
  const lockings: (NationalLanguage | undefined)[] = [undefined, ...ordered.filter(hasLockingShiftTable)];
  const singles: (NationalLanguage | undefined)[] = [undefined, ...ordered];
  const all: LanguageTables[] = [];
  for (const locking of lockings) {
    for (const single of singles) {
      if (locking || single) all.push({ locking, single });
    }
  }
  const tableCount = (tables: LanguageTables) => (tables.locking ? 1 : 0) + (tables.single ? 1 : 0);
  // Array.prototype.sort is stable: within a table count the language order above is kept.
  return all.sort((a, b) => tableCount(a) - tableCount(b));
}

/** The plan for one character set (undefined: UCS-2), or undefined when it cannot carry the text. */
function measure(codePoints: readonly number[], charset: Gsm7Charset | undefined, ref16: boolean): Plan | undefined {
  const encoding: Encoding = charset ? 'GSM7' : 'UCS2';
  const sizes = new Array<number>(codePoints.length);
  let units = 0;
  for (let index = 0; index < codePoints.length; index++) {
    const codePoint = codePoints[index];
    const size = charset ? charset.cost(codePoint) : codePoint > 0xffff ? 2 : 1;
    if (size === 0) return undefined;
    sizes[index] = size;
    units += size;
  }
  const capacity = encoding === 'GSM7' ? gsm7Capacity : ucs2Capacity;
  const shiftTables = charset?.shiftTables ?? 0;
  const single = capacity(udhLength(undefined, shiftTables));
  if (units <= single) return { encoding, charset, sizes, units, unitsPerSegment: single, starts: [0] };
  const multi = capacity(udhLength({ ref16 }, shiftTables));
  return { encoding, charset, sizes, units, unitsPerSegment: multi, starts: segmentStarts(sizes, multi) };
}
