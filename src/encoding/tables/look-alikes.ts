/**
 * Smart encoding: characters that look like a GSM 7-bit character (or a short run of them) and are
 * replaced by it so that a text pasted from a word processor or a phone keyboard stays GSM7.
 *
 * Data only. No key is a character of any GSM 7-bit table, default or national (a test checks), so
 * a replacement never changes a character the message could have carried as it is. Letters are
 * never transliterated: only punctuation, spaces and invisible formatting characters.
 */
export const LOOK_ALIKES: ReadonlyMap<string, string> = new Map([
  // Quotation marks and primes.
  ['\u2018', "'"], // ‘ LEFT SINGLE QUOTATION MARK
  ['\u2019', "'"], // ’ RIGHT SINGLE QUOTATION MARK
  ['\u201A', "'"], // ‚ SINGLE LOW-9 QUOTATION MARK
  ['\u201B', "'"], // ‛ SINGLE HIGH-REVERSED-9 QUOTATION MARK
  ['\u2039', "'"], // ‹ SINGLE LEFT-POINTING ANGLE QUOTATION MARK
  ['\u203A', "'"], // › SINGLE RIGHT-POINTING ANGLE QUOTATION MARK
  ['\u2032', "'"], // ′ PRIME
  ['\u00B4', "'"], // ´ ACUTE ACCENT
  ['\u02BC', "'"], // ʼ MODIFIER LETTER APOSTROPHE
  ['\u201C', '"'], // “ LEFT DOUBLE QUOTATION MARK
  ['\u201D', '"'], // ” RIGHT DOUBLE QUOTATION MARK
  ['\u201E', '"'], // „ DOUBLE LOW-9 QUOTATION MARK
  ['\u201F', '"'], // ‟ DOUBLE HIGH-REVERSED-9 QUOTATION MARK
  ['\u00AB', '"'], // « LEFT-POINTING DOUBLE ANGLE QUOTATION MARK
  ['\u00BB', '"'], // » RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK
  ['\u2033', '"'], // ″ DOUBLE PRIME
  // Dashes and minus.
  ['\u2010', '-'], // ‐ HYPHEN
  ['\u2011', '-'], // ‑ NON-BREAKING HYPHEN
  ['\u2012', '-'], // ‒ FIGURE DASH
  ['\u2013', '-'], // – EN DASH
  ['\u2014', '-'], // — EM DASH
  ['\u2015', '-'], // ― HORIZONTAL BAR
  ['\u2212', '-'], // − MINUS SIGN
  // Spaces.
  ['\u00A0', ' '], // NO-BREAK SPACE
  ['\u2000', ' '], // EN QUAD
  ['\u2001', ' '], // EM QUAD
  ['\u2002', ' '], // EN SPACE
  ['\u2003', ' '], // EM SPACE
  ['\u2004', ' '], // THREE-PER-EM SPACE
  ['\u2005', ' '], // FOUR-PER-EM SPACE
  ['\u2006', ' '], // SIX-PER-EM SPACE
  ['\u2007', ' '], // FIGURE SPACE
  ['\u2008', ' '], // PUNCTUATION SPACE
  ['\u2009', ' '], // THIN SPACE
  ['\u200A', ' '], // HAIR SPACE
  ['\u202F', ' '], // NARROW NO-BREAK SPACE
  ['\u205F', ' '], // MEDIUM MATHEMATICAL SPACE
  ['\u3000', ' '], // IDEOGRAPHIC SPACE
  // Invisible formatting characters: dropped.
  ['\u00AD', ''], // SOFT HYPHEN
  ['\u200B', ''], // ZERO WIDTH SPACE
  ['\u2060', ''], // WORD JOINER
  ['\uFEFF', ''], // ZERO WIDTH NO-BREAK SPACE (byte order mark)
  // Others.
  ['\u2026', '...'], // … HORIZONTAL ELLIPSIS
  ['\u02C6', '^'], // ˆ MODIFIER LETTER CIRCUMFLEX ACCENT
  ['\u02DC', '~'], // ˜ SMALL TILDE
  ['\u2022', '-'], // • BULLET
]);
