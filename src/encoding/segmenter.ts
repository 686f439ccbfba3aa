/**
 * Cutting a text into segments. The text is a sequence of pieces that must never be split: code
 * points, so that a UTF-16 surrogate pair or an escape plus its septet always travel together.
 */

export interface Pieces {
  /** One code point per piece (a lone surrogate counts as its own code point). */
  codePoints: number[];
  /** Where each piece starts in the string, then the string length: piece i is text.slice(offsets[i], offsets[i + 1]). */
  offsets: number[];
}

export function toPieces(text: string): Pieces {
  const codePoints: number[] = [];
  const offsets: number[] = [];
  for (let offset = 0; offset < text.length; ) {
    const codePoint = text.codePointAt(offset) as number;
    codePoints.push(codePoint);
    offsets.push(offset);
    offset += codePoint > 0xffff ? 2 : 1;
  }
  offsets.push(text.length);
  return { codePoints, offsets };
}

/**
 * Greedy fill: each segment takes as many whole pieces as fit in `limit` units. Returns the index of
 * the first piece of each segment. Greedy is optimal here: no other cut yields fewer segments.
 */
export function segmentStarts(sizes: readonly number[], limit: number): number[] {
  const starts = [0];
  let used = 0;
  sizes.forEach((size, index) => {
    if (used + size > limit) {
      starts.push(index);
      used = 0;
    }
    used += size;
  });
  return starts;
}
