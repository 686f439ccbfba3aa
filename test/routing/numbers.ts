import type { NumberInfo } from '../../src/types';

/** A verified recipient built by hand: a UK mobile on EE unless told otherwise. */
export function recipient(e164: string, facts: Partial<Omit<NumberInfo, 'e164'>> = {}): NumberInfo {
  return { input: e164, e164, country: 'GB', type: 'MOBILE', carrier: 'EE', ...facts };
}

/** A random source that returns the given draws in turn, for exact weighted picks. */
export function draws(...values: number[]): () => number {
  let next = 0;
  return () => {
    if (next >= values.length) throw new Error('test ran out of scripted random draws');
    return values[next++]!;
  };
}

/** A small seeded PRNG (mulberry32): repeatable runs for statistical checks. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
