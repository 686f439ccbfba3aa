import { Metadata } from 'libphonenumber-js/core';
import type { CountryCode, NumberType, PhoneNumber } from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/max/metadata';

/**
 * `PhoneNumber.getType()` of libphonenumber-js, with its regular expressions compiled once.
 *
 * Why this exists: libphonenumber-js (1.12) builds every pattern with `new RegExp()` on every
 * call (`helpers/matchesEntirely.js`), and `getType()` (`helpers/getNumberType.js`) tries up to
 * eleven of them per number; in the gateway's CPU profile that compilation was a fifth of all CPU.
 * This module mirrors `getNumberType(input, { v2: true }, metadata)` step for step — the general
 * national number pattern first, then FIXED_LINE (FIXED_LINE_OR_MOBILE when the mobile pattern was
 * folded into it, is absent or also matches), then the other types in libphonenumber's order, each
 * skipped when the number's length is not among the type's possible lengths — over the same max
 * metadata that 'libphonenumber-js/max' parses with (the same JSON module), read through the
 * `Metadata` class of 'libphonenumber-js/core' ('libphonenumber-js/max' declares but does not export it). Only the
 * compiled expressions are kept, one numbering plan at a time. A test holds it to `getType()`
 * for numbers generated from every region's type patterns.
 */
export function numberType(phone: Pick<PhoneNumber, 'country' | 'countryCallingCode' | 'nationalNumber'>): NumberType {
  // getNumberType: a parse result without country or calling code is malformed.
  if (!phone.country && !phone.countryCallingCode) return undefined;
  return typeIn(planOf(phone.country, phone.countryCallingCode), phone.nationalNumber);
}

/**
 * The country of a national number among the countries that share its calling code (+1, +44,
 * +7 ...), in the metadata's order, with its type: libphonenumber-js's parse decides this with
 * `getCountryByNationalNumber` (uncompiled, as getType), and this mirrors it step for step: the
 * first country whose leading digits start the number, or, for a country without leading
 * digits, whose types include it. Undefined when none claims it.
 */
export function countryAmong(countries: readonly CountryCode[], national: string): { country: CountryCode; type: NumberType } | undefined {
  for (const country of countries) {
    const plan = planOf(country, undefined);
    if (plan.leadingDigits !== undefined) {
      if (plan.leadingDigits.test(national)) return { country, type: typeIn(plan, national) };
    } else {
      const type = typeIn(plan, national);
      if (type !== undefined) return { country, type };
    }
  }
  return undefined;
}

function planOf(country: CountryCode | undefined, callingCode: string | undefined): CompiledPlan {
  const key = country ?? `+${callingCode}`;
  let plan = plans.get(key);
  if (plan === undefined) {
    plan = compilePlan(country, callingCode);
    plans.set(key, plan);
  }
  return plan;
}

function typeIn(plan: CompiledPlan, national: string): NumberType {
  if (!plan.general.test(national)) return undefined;
  if (matches(plan.fixedLine, national)) {
    return plan.mobileFoldedIntoFixedLine || matches(plan.mobile, national) ? 'FIXED_LINE_OR_MOBILE' : 'FIXED_LINE';
  }
  for (const [type, rule] of plan.others) {
    if (matches(rule, national)) return type;
  }
  return undefined;
}

/** getNumberType's NON_FIXED_LINE_PHONE_TYPES, in its order: the first match wins. */
const OTHER_TYPES = [
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
] as const;

type TypeName = 'FIXED_LINE' | (typeof OTHER_TYPES)[number];

/** One type's test, as getNumberType's isNumberTypeEqualTo makes it. */
interface TypeRule {
  lengths: readonly number[] | undefined;
  pattern: RegExp;
}

interface CompiledPlan {
  /** The plan's leading digits, as a match at the number's start (`search() === 0`); undefined where it has none. */
  leadingDigits: RegExp | undefined;
  general: RegExp;
  /** Undefined where isNumberTypeEqualTo would be false whatever the number (no type, empty pattern). */
  fixedLine: TypeRule | undefined;
  /** The mobile type is missing or has an empty pattern: a fixed-line match is FIXED_LINE_OR_MOBILE. */
  mobileFoldedIntoFixedLine: boolean;
  mobile: TypeRule | undefined;
  others: ReadonlyArray<readonly [NumberType & string, TypeRule]>;
}

/**
 * The parts of libphonenumber-js's numbering plan that getNumberType reads; the class has them at
 * run time, its type declarations stop at `possibleLengths()`.
 */
interface PlanRuntime {
  leadingDigits(): string | undefined;
  nationalNumberPattern(): string;
  type(type: TypeName): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}
interface MetadataRuntime {
  selectNumberingPlan(country: CountryCode | undefined, callingCode: string | undefined): unknown;
  numberingPlan?: unknown;
}

/** Keyed by country, or `+` and calling code where the parse found no country (+800, +1 unknown). */
const plans = new Map<string, CompiledPlan>();

function compilePlan(country: CountryCode | undefined, callingCode: string | undefined): CompiledPlan {
  const selector = new Metadata(metadata) as unknown as MetadataRuntime;
  selector.selectNumberingPlan(country, callingCode);
  const plan = selector.numberingPlan as PlanRuntime;
  const rule = (name: TypeName): TypeRule | undefined => {
    const type = plan.type(name);
    if (!type || !type.pattern()) return undefined;
    return { lengths: type.possibleLengths(), pattern: entire(type.pattern()) };
  };
  const mobileType = plan.type('MOBILE');
  const others: Array<readonly [NumberType & string, TypeRule]> = [];
  for (const name of OTHER_TYPES) {
    const compiled = rule(name);
    if (compiled) others.push([name, compiled]);
  }
  const leadingDigits = plan.leadingDigits();
  return {
    leadingDigits: leadingDigits ? new RegExp(`^(?:${leadingDigits})`) : undefined,
    general: entire(plan.nationalNumberPattern()),
    fixedLine: rule('FIXED_LINE'),
    mobileFoldedIntoFixedLine: !mobileType || mobileType.pattern() === '',
    mobile: rule('MOBILE'),
    others,
  };
}

/** matchesEntirely's expression. */
function entire(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

function matches(rule: TypeRule | undefined, national: string): boolean {
  if (rule === undefined) return false;
  if (rule.lengths && !rule.lengths.includes(national.length)) return false;
  return rule.pattern.test(national);
}
