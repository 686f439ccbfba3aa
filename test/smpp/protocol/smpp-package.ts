/**
 * The `smpp` package (0.5.1, untyped) as these tests use it: to serialise the fields we build and
 * to parse PDUs the way its Session does, so the protocol modules are checked against it.
 */
export interface PackagePdu extends Record<string, unknown> {
  toBuffer(): Buffer;
}

type MessageDecode = (value: unknown, skipUdh?: boolean) => unknown;

const { PDU } = require('smpp/lib/pdu') as {
  PDU: new (commandOrOctets: string | Buffer, fields?: Record<string, unknown>) => PackagePdu;
};
const { filters } = require('smpp/lib/defs') as { filters: { message: { decode: MessageDecode } } };

export function serialise(command: string, fields: Record<string, unknown>): Buffer {
  return new PDU(command, fields).toBuffer();
}

/** Parsed as the package does by default: short_message and message_payload decoded by it. */
export function parseAsPackageDoes(octets: Buffer): PackagePdu {
  return new PDU(octets);
}

/** Parsed with the user data kept as the octets received, as src/smpp/link.ts parses. */
export function parseKeepingUserData(octets: Buffer): PackagePdu {
  const decode = filters.message.decode;
  filters.message.decode = (value) => value;
  try {
    return new PDU(octets);
  } finally {
    filters.message.decode = decode;
  }
}
