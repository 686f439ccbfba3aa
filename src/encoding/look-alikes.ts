/** Smart encoding: replaces look-alike characters (see tables/look-alikes.ts) by their GSM 7-bit counterparts. */
import { LOOK_ALIKES } from './tables/look-alikes';

export function hasLookAlike(character: string): boolean {
  return LOOK_ALIKES.has(character);
}

export function replaceLookAlikes(text: string): string {
  let replaced = '';
  for (const character of text) replaced += LOOK_ALIKES.get(character) ?? character;
  return replaced;
}
