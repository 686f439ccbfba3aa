/**
 * Which alphabet a data coding value announces.
 *
 * Values 0x00-0x0F are read as SMPP data_coding (SMPP 3.4 §5.2.19), because that is where they
 * differ from TS 23.038: 1 is IA5 (ASCII), 3 is Latin-1, 2 and 4 are 8-bit binary; 0 (GSM7) and
 * 8 (UCS2) mean the same in both. The SMPP-only alphabets (JIS, Cyrillic, Hebrew, pictograms, ...)
 * are not supported. From 0x10 on, the value is a TS 23.038 §4 Data Coding Scheme: the general and
 * automatic-deletion groups (bits 3-2 give the alphabet), the message waiting groups and the
 * "data coding / message class" group. A modem PDU's DCS in 0x00-0x0F only ever uses 0x00, 0x04
 * and 0x08 in practice (the others carry class bits without the bit that makes them meaningful).
 */
import { checkInteger, hexByte, invalidOption } from './encoding-errors';

/** BINARY is 8-bit data: decoded as Latin-1, one character per byte (see decode.ts). */
export type Alphabet = 'GSM7' | 'UCS2' | 'LATIN1' | 'ASCII' | 'BINARY';

const SMPP_DATA_CODING: Readonly<Record<number, Alphabet>> = {
  0x00: 'GSM7',
  0x01: 'ASCII',
  0x02: 'BINARY',
  0x03: 'LATIN1',
  0x04: 'BINARY',
  0x08: 'UCS2',
};

/** Bits 3-2 of the general data coding groups; 0b11 is reserved. */
const GENERAL_ALPHABETS: readonly (Alphabet | undefined)[] = ['GSM7', 'BINARY', 'UCS2', undefined];

export function alphabetOf(dataCoding: number): Alphabet {
  checkInteger('dataCoding', dataCoding, 0, 0xff);
  const alphabet = dataCoding < 0x10 ? SMPP_DATA_CODING[dataCoding] : tsAlphabet(dataCoding);
  if (alphabet === undefined) {
    throw invalidOption('dataCoding', `data coding ${hexByte(dataCoding)} announces an alphabet smsgate cannot decode`);
  }
  return alphabet;
}

function tsAlphabet(dcs: number): Alphabet | undefined {
  const group = dcs >> 4;
  if (group <= 0b0111) {
    // 00xx / 01xx: general data coding (01xx: marked for automatic deletion). Bit 5: compressed.
    if (dcs & 0x20) {
      const message = `data coding ${hexByte(dcs)} announces compressed text, which smsgate cannot decode`;
      throw invalidOption('dataCoding', message);
    }
    return GENERAL_ALPHABETS[(dcs >> 2) & 0b11];
  }
  if (group === 0b1100 || group === 0b1101) return 'GSM7'; // message waiting indication, discard / store
  if (group === 0b1110) return 'UCS2'; // message waiting indication, store, UCS2
  if (group === 0b1111) return dcs & 0x04 ? 'BINARY' : 'GSM7'; // data coding / message class
  return undefined; // 1000-1011: reserved
}
