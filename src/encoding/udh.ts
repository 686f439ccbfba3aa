/**
 * The User Data Header (TS 23.040 §9.2.3.24): a UDHL octet, then information elements, each an
 * IEI octet, a length octet and that many data octets. This module knows the four IEs the encoder
 * writes; any other IE is passed through when parsing.
 */
import { hexByte, undecodable } from './encoding-errors';
import { hasLockingShiftTable, languageFromId, languageId } from './languages';
import type { ConcatInfo, LanguageTables, UserDataHeader } from './types';

export const IEI_CONCAT_8 = 0x00; // §9.2.3.24.1: reference, total, sequence
export const IEI_CONCAT_16 = 0x08; // §9.2.3.24.8: 16-bit reference, total, sequence
export const IEI_SINGLE_SHIFT = 0x24; // §9.2.3.24.15: national language id
export const IEI_LOCKING_SHIFT = 0x25; // §9.2.3.24.16: national language id

const IE_NAMES: Readonly<Record<number, string>> = {
  [IEI_CONCAT_8]: 'concatenation',
  [IEI_CONCAT_16]: '16-bit concatenation',
  [IEI_SINGLE_SHIFT]: 'single shift',
  [IEI_LOCKING_SHIFT]: 'locking shift',
};

const IE_HEADER_OCTETS = 2; // IEI + length
const CONCAT_8_DATA = 3;
const CONCAT_16_DATA = 4;
const SHIFT_DATA = 1;

/** Octets of the UDH, UDHL included, for a segment with these IEs; 0 when it needs no UDH. */
export function udhLength(concat: { ref16: boolean } | undefined, shiftTables: number): number {
  let ies = shiftTables * (IE_HEADER_OCTETS + SHIFT_DATA);
  if (concat) ies += IE_HEADER_OCTETS + (concat.ref16 ? CONCAT_16_DATA : CONCAT_8_DATA);
  return ies === 0 ? 0 : 1 + ies;
}

/** The UDH of a segment that needs none, shared: an empty buffer has nothing to write to. */
const NO_UDH = Buffer.alloc(0);

export function buildUdh(concat: ConcatInfo | undefined, language: LanguageTables): Buffer {
  if (concat === undefined && !language.locking && !language.single) return NO_UDH;
  const ies: number[] = [];
  if (concat?.ref16) {
    const { reference, total, sequence } = concat;
    ies.push(IEI_CONCAT_16, CONCAT_16_DATA, reference >> 8, reference & 0xff, total, sequence);
  } else if (concat) {
    ies.push(IEI_CONCAT_8, CONCAT_8_DATA, concat.reference, concat.total, concat.sequence);
  }
  if (language.locking) ies.push(IEI_LOCKING_SHIFT, SHIFT_DATA, languageId(language.locking));
  if (language.single) ies.push(IEI_SINGLE_SHIFT, SHIFT_DATA, languageId(language.single));
  return Buffer.from([ies.length, ...ies]);
}

/** Parses the UDH at the start of `bytes`. Throws USER_DATA_INVALID (field 'udh') when it is malformed. */
export function parseUdh(bytes: Buffer): { header: UserDataHeader; length: number } {
  if (bytes.length === 0) throw undecodable('udh', 'the UDH is missing: no UDHL octet');
  const end = 1 + bytes[0];
  if (end > bytes.length) {
    throw undecodable('udh', `UDHL ${bytes[0]} runs past the data: only ${bytes.length - 1} octets follow it`);
  }
  const header: UserDataHeader = { other: [] };
  let offset = 1;
  while (offset < end) {
    if (offset + IE_HEADER_OCTETS > end) {
      throw undecodable('udh', `the information element at offset ${offset} is cut off before its length octet`);
    }
    const iei = bytes[offset];
    const dataLength = bytes[offset + 1];
    const dataStart = offset + IE_HEADER_OCTETS;
    if (dataStart + dataLength > end) {
      throw undecodable(
        'udh',
        `${describeIe(iei)} at offset ${offset} declares ${dataLength} octets, ` +
          `only ${end - dataStart} remain in the UDH`,
      );
    }
    readElement(header, iei, Buffer.from(bytes.subarray(dataStart, dataStart + dataLength)), offset);
    offset = dataStart + dataLength;
  }
  return { header, length: end };
}

function readElement(header: UserDataHeader, iei: number, data: Buffer, offset: number): void {
  switch (iei) {
    case IEI_CONCAT_8:
    case IEI_CONCAT_16: {
      const ref16 = iei === IEI_CONCAT_16;
      expectLength(iei, data, ref16 ? CONCAT_16_DATA : CONCAT_8_DATA, offset);
      const concat: ConcatInfo = ref16
        ? { reference: data.readUInt16BE(0), total: data[2], sequence: data[3], ref16 }
        : { reference: data[0], total: data[1], sequence: data[2], ref16 };
      // §9.2.3.24.1: a zero total or a sequence outside 1..total makes the receiver ignore the IE.
      if (concat.total === 0 || concat.sequence === 0 || concat.sequence > concat.total) break;
      header.concat = concat;
      return;
    }
    case IEI_SINGLE_SHIFT:
    case IEI_LOCKING_SHIFT: {
      expectLength(iei, data, SHIFT_DATA, offset);
      // TS 23.038 §6.2.1.2.4: a language the receiver does not know means the default tables.
      const language = languageFromId(data[0]);
      if (language === undefined) break;
      if (iei === IEI_SINGLE_SHIFT) {
        header.singleShift = language;
        return;
      }
      if (!hasLockingShiftTable(language)) break;
      header.lockingShift = language;
      return;
    }
  }
  header.other.push({ iei, data });
}

function expectLength(iei: number, data: Buffer, expected: number, offset: number): void {
  if (data.length !== expected) {
    const message = `${describeIe(iei)} at offset ${offset} must have ${expected} data octets, has ${data.length}`;
    throw undecodable('udh', message);
  }
}

function describeIe(iei: number): string {
  const name = IE_NAMES[iei];
  return name === undefined ? `IE ${hexByte(iei)}` : `IE ${hexByte(iei)} (${name})`;
}
