/** National Language Identifiers of 3GPP TS 23.038 §6.2.1.2.4, as the UDH carries them (IE 0x24 / 0x25). */
import type { NationalLanguage } from '../types';

export const NATIONAL_LANGUAGE_IDS: Readonly<Record<NationalLanguage, number>> = {
  turkish: 1,
  spanish: 2,
  portuguese: 3,
  bengali: 4,
  gujarati: 5,
  hindi: 6,
  kannada: 7,
  malayalam: 8,
  oriya: 9,
  punjabi: 10,
  tamil: 11,
  telugu: 12,
  urdu: 13,
};
