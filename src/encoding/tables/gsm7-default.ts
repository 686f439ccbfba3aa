/**
 * The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1 and §6.2.1.1).
 *
 * Data only: 128 entries indexed by septet value, one line per 16 septets (a line is one column of
 * the standard's printed table); an entry is the Unicode code point the septet stands for, or null
 * where the standard defines no character.
 */

/** 128 code points (or null) indexed by septet. */
export type CharacterTable = readonly (number | null)[];

/** The septet that switches to the extension (or national single shift) table for one character. */
export const ESCAPE = 0x1b;

/** §6.2.1. 0x1B is the escape, not a character. 0x09 is Ç (capital C cedilla), as the standard prints it. */
export const DEFAULT_ALPHABET: CharacterTable = [
  /* 0x00 */ 0x0040, 0x00a3, 0x0024, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec, 0x00f2, 0x00c7, 0x000a, 0x00d8, 0x00f8, 0x000d, 0x00c5, 0x00e5, // @ £ $ ¥ è é ù ì ò Ç LF Ø ø CR Å å
  /* 0x10 */ 0x0394, 0x005f, 0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8, 0x03a3, 0x0398, 0x039e,   null, 0x00c6, 0x00e6, 0x00df, 0x00c9, // Δ _ Φ Γ Λ Ω Π Ψ Σ Θ Ξ · Æ æ ß É
  /* 0x20 */ 0x0020, 0x0021, 0x0022, 0x0023, 0x00a4, 0x0025, 0x0026, 0x0027, 0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x002e, 0x002f, // SP ! " # ¤ % & ' ( ) * + , - . /
  /* 0x30 */ 0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037, 0x0038, 0x0039, 0x003a, 0x003b, 0x003c, 0x003d, 0x003e, 0x003f, // 0 1 2 3 4 5 6 7 8 9 : ; < = > ?
  /* 0x40 */ 0x00a1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047, 0x0048, 0x0049, 0x004a, 0x004b, 0x004c, 0x004d, 0x004e, 0x004f, // ¡ A B C D E F G H I J K L M N O
  /* 0x50 */ 0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057, 0x0058, 0x0059, 0x005a, 0x00c4, 0x00d6, 0x00d1, 0x00dc, 0x00a7, // P Q R S T U V W X Y Z Ä Ö Ñ Ü §
  /* 0x60 */ 0x00bf, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, 0x0068, 0x0069, 0x006a, 0x006b, 0x006c, 0x006d, 0x006e, 0x006f, // ¿ a b c d e f g h i j k l m n o
  /* 0x70 */ 0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077, 0x0078, 0x0079, 0x007a, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0, // p q r s t u v w x y z ä ö ñ ü à
];

/**
 * §6.2.1.1, reached through the escape: 0x1B 0x65 is €. 0x0A is a page break (form feed), 0x0D is
 * reserved ("CR2") and 0x1B is reserved for a further extension table.
 */
export const DEFAULT_EXTENSION: CharacterTable = [
  /* 0x00 */   null,   null,   null,   null,   null,   null,   null,   null,   null,   null, 0x000c,   null,   null,   null,   null,   null, // · · · · · · · · · · FF · · · · ·
  /* 0x10 */   null,   null,   null,   null, 0x005e,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null, // · · · · ^ · · · · · · · · · · ·
  /* 0x20 */   null,   null,   null,   null,   null,   null,   null,   null, 0x007b, 0x007d,   null,   null,   null,   null,   null, 0x005c, // · · · · · · · · { } · · · · · \
  /* 0x30 */   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null, 0x005b, 0x007e, 0x005d,   null, // · · · · · · · · · · · · [ ~ ] ·
  /* 0x40 */ 0x007c,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null, // | · · · · · · · · · · · · · · ·
  /* 0x50 */   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null, // · · · · · · · · · · · · · · · ·
  /* 0x60 */   null,   null,   null,   null,   null, 0x20ac,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null, // · · · · · € · · · · · · · · · ·
  /* 0x70 */   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null,   null, // · · · · · · · · · · · · · · · ·
];
