/**
 * Packing septets into octets as TS 23.040 §9.2.3.24 / TS 23.038 §6.1.2.1.1 lay them out for a
 * modem PDU: septet n occupies bits 7n .. 7n+6 of the stream, least significant bit first.
 * `fillBits` zero bits come first; they align the text after a UDH on a septet boundary.
 */
import { checkInteger, hexByte, invalidOption, undecodable } from './encoding-errors';

export function packSeptets(septets: Buffer, fillBits = 0): Buffer {
  checkInteger('fillBits', fillBits, 0, 6);
  const packed = Buffer.alloc(Math.ceil((fillBits + septets.length * 7) / 8));
  septets.forEach((septet, index) => {
    if (septet > 0x7f) {
      throw invalidOption('septets', `byte ${hexByte(septet)} at offset ${index} is not a septet`);
    }
    const bit = fillBits + index * 7;
    const octet = bit >> 3;
    const shift = bit & 7;
    packed[octet] |= (septet << shift) & 0xff;
    // A septet starting past bit 1 of an octet spills its high bits into the next one.
    if (shift > 1) packed[octet + 1] |= septet >> (8 - shift);
  });
  return packed;
}

export function unpackSeptets(packed: Buffer, septetCount: number, fillBits = 0): Buffer {
  checkInteger('septetCount', septetCount, 0, 0xffff);
  checkInteger('fillBits', fillBits, 0, 6);
  const needed = Math.ceil((fillBits + septetCount * 7) / 8);
  if (packed.length < needed) {
    throw undecodable(
      'userData',
      `${septetCount} septets after ${fillBits} fill bits need ${needed} octets, the data has ${packed.length}`,
    );
  }
  const septets = Buffer.alloc(septetCount);
  for (let index = 0; index < septetCount; index++) {
    const bit = fillBits + index * 7;
    const octet = bit >> 3;
    const shift = bit & 7;
    let value = packed[octet] >> shift;
    if (shift > 1) value |= packed[octet + 1] << (8 - shift);
    septets[index] = value & 0x7f;
  }
  return septets;
}
