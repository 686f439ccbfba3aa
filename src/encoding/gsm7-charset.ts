/**
 * A GSM 7-bit character set as one message uses it: a locking table (the default alphabet or a
 * national locking shift table) for characters sent as one septet, and a single shift table (the
 * default extension table or a national one) for characters sent as the escape plus one septet.
 */
import { describeCodePoint, hexByte, undecodable } from './encoding-errors';
import { CharacterTable, DEFAULT_ALPHABET, DEFAULT_EXTENSION, ESCAPE } from './tables/gsm7-default';
import { LOCKING_SHIFT_TABLES } from './tables/national-locking';
import { SINGLE_SHIFT_TABLES } from './tables/national-single';
import type { LanguageTables } from './types';

export class Gsm7Charset {
  readonly language: LanguageTables;
  private readonly lockingTable: CharacterTable;
  private readonly singleTable: CharacterTable;
  /** Code point → septet in the locking table. */
  private readonly direct: Map<number, number>;
  /** Code point → septet in the single shift table (sent after the escape). */
  private readonly escaped: Map<number, number>;

  constructor(language: LanguageTables) {
    this.language = language;
    this.lockingTable = language.locking ? lockingTableOf(language.locking) : DEFAULT_ALPHABET;
    this.singleTable = language.single ? SINGLE_SHIFT_TABLES[language.single] : DEFAULT_EXTENSION;
    this.direct = indexByCodePoint(this.lockingTable);
    this.escaped = indexByCodePoint(this.singleTable);
  }

  /** National tables in use (0, 1 or 2): each costs the UDH an information element. */
  get shiftTables(): number {
    return (this.language.locking ? 1 : 0) + (this.language.single ? 1 : 0);
  }

  /** Septets the code point costs: 1, 2 when it needs the escape, 0 when this set cannot carry it. */
  cost(codePoint: number): number {
    if (this.direct.has(codePoint)) return 1;
    return this.escaped.has(codePoint) ? 2 : 0;
  }

  /** Appends the septets of a code point that `cost` says this set carries. */
  write(codePoint: number, septets: number[]): void {
    const septet = this.direct.get(codePoint);
    if (septet !== undefined) {
      septets.push(septet);
      return;
    }
    const escapedSeptet = this.escaped.get(codePoint);
    if (escapedSeptet === undefined) {
      throw new Error(`bug: ${describeCodePoint(codePoint)} is not in this character set`);
    }
    septets.push(ESCAPE, escapedSeptet);
  }

  /**
   * Decodes unpacked septets. `firstOffset`, when given, is the byte offset of the first septet in
   * the caller's data, so errors can name the offending byte.
   */
  decode(septets: Uint8Array, firstOffset?: number): string {
    const where = (index: number) =>
      firstOffset === undefined ? `septet ${index}` : `offset ${firstOffset + index}`;
    const septetAt = (index: number) => {
      const value = septets[index];
      if (value > 0x7f) throw undecodable('userData', `byte ${hexByte(value)} at ${where(index)} is not a septet`);
      return value;
    };
    let text = '';
    for (let index = 0; index < septets.length; index++) {
      const septet = septetAt(index);
      if (septet !== ESCAPE) {
        text += this.character(this.lockingTable[septet], septet, where(index));
        continue;
      }
      index++;
      if (index === septets.length) {
        throw undecodable('userData', `the escape ${hexByte(ESCAPE)} at ${where(index - 1)} has no septet after it`);
      }
      const next = septetAt(index);
      // TS 23.038 §6.2.1.1: escape-escape is reserved for a further extension table: show a space.
      // An escaped septet the single shift table does not define shows the locking table's character.
      const codePoint = next === ESCAPE ? 0x20 : (this.singleTable[next] ?? this.lockingTable[next]);
      text += this.character(codePoint, next, where(index));
    }
    return text;
  }

  private character(codePoint: number | null, septet: number, where: string): string {
    if (codePoint === null) {
      const locking = this.language.locking;
      const table = locking ? `the ${locking} locking shift table` : 'the GSM 7-bit alphabet';
      throw undecodable('userData', `septet ${hexByte(septet)} at ${where} is not defined in ${table}`);
    }
    return String.fromCharCode(codePoint);
  }
}

function lockingTableOf(language: NonNullable<LanguageTables['locking']>): CharacterTable {
  const table = LOCKING_SHIFT_TABLES[language];
  if (table === undefined) throw new Error(`bug: ${language} has no locking shift table`);
  return table;
}

/** Where a code point appears twice (the Indian single shift tables list ¡ and * twice), the first septet wins. */
function indexByCodePoint(table: CharacterTable): Map<number, number> {
  const index = new Map<number, number>();
  table.forEach((codePoint, septet) => {
    if (codePoint !== null && !index.has(codePoint)) index.set(codePoint, septet);
  });
  return index;
}

const charsets = new Map<string, Gsm7Charset>();

/** The (cached) character set for these tables; `{}` is the default alphabet and extension table. */
export function gsm7Charset(language: LanguageTables = {}): Gsm7Charset {
  const key = `${language.locking ?? ''}+${language.single ?? ''}`;
  let charset = charsets.get(key);
  if (charset === undefined) {
    const tables: LanguageTables = {};
    if (language.locking) tables.locking = language.locking;
    if (language.single) tables.single = language.single;
    charset = new Gsm7Charset(tables);
    charsets.set(key, charset);
  }
  return charset;
}

/**
 * Septets the text needs in the default alphabet and extension table (extension characters count
 * two), or undefined when it cannot be sent so.
 */
export function gsm7Length(text: string): number | undefined {
  const charset = gsm7Charset();
  let septets = 0;
  for (const character of text) {
    const cost = charset.cost(character.codePointAt(0) as number);
    if (cost === 0) return undefined;
    septets += cost;
  }
  return septets;
}

/** True when the text can be sent in the GSM 7-bit default alphabet and extension table. */
export function isGsm7(text: string): boolean {
  return gsm7Length(text) !== undefined;
}
