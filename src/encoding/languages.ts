/** Looking national languages up by name or by the identifier the UDH carries. */
import { LOCKING_SHIFT_TABLES } from './tables/national-locking';
import { NATIONAL_LANGUAGE_IDS } from './tables/language-ids';
import type { NationalLanguage } from './types';

/** All national languages, in identifier order (the order ties are broken in). */
export const NATIONAL_LANGUAGES: readonly NationalLanguage[] = (
  Object.keys(NATIONAL_LANGUAGE_IDS) as NationalLanguage[]
).sort((a, b) => NATIONAL_LANGUAGE_IDS[a] - NATIONAL_LANGUAGE_IDS[b]);

export function isNationalLanguage(value: unknown): value is NationalLanguage {
  return typeof value === 'string' && Object.hasOwn(NATIONAL_LANGUAGE_IDS, value);
}

export function languageId(language: NationalLanguage): number {
  return NATIONAL_LANGUAGE_IDS[language];
}

/** The language with that identifier, or undefined for identifiers the standard does not (yet) define. */
export function languageFromId(id: number): NationalLanguage | undefined {
  return NATIONAL_LANGUAGES.find((language) => NATIONAL_LANGUAGE_IDS[language] === id);
}

/** Spanish is the only language with a single shift table but no locking shift table. */
export function hasLockingShiftTable(language: NationalLanguage): boolean {
  return LOCKING_SHIFT_TABLES[language] !== undefined;
}
