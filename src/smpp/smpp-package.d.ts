/** The parts of the `smpp` package (0.5.1, untyped) that the transport uses. */
declare module 'smpp' {
  import { EventEmitter } from 'node:events';
  import type { Socket } from 'node:net';
  import type { ConnectionOptions } from 'node:tls';

  /** A PDU: its header, and its fields and TLVs as properties named as in the SMPP spec. */
  export interface Pdu {
    command: string;
    command_id: number;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    isResponse(): boolean;
    /** The matching response (generic_nack for an unknown command). */
    response(options?: Record<string, unknown>): Pdu;
    toBuffer(): Buffer;
  }

  /** What Session.send needs of a PDU. */
  export interface OutgoingPdu {
    sequence_number: number;
    isResponse(): boolean;
    toBuffer(): Buffer;
  }

  export const PDU: {
    new (command: string, options?: Record<string, unknown>): Pdu;
    /** Parses one whole PDU (command_length octets); throws on a body it cannot read. */
    new (pdu: Buffer): Pdu;
    maxLength: number;
  };

  export class Session extends EventEmitter {
    socket: Socket;
    /**
     * Resolves no promise: the callback gets the response PDU. Returns false when not writable.
     * Of the PDU it uses isResponse(), sequence_number (numbering a request that has none) and
     * toBuffer(), so a PDU encoded elsewhere can go through it.
     */
    send(pdu: OutgoingPdu, responseCallback?: (response: Pdu) => void, sendCallback?: (sent: Pdu) => void): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
  }

  export interface ConnectOptions extends ConnectionOptions {
    host: string;
    port: number;
    tls?: boolean;
  }

  export function connect(options: ConnectOptions, listener?: () => void): Session;

  export const filters: {
    message: { decode(this: Pdu, value: unknown, skipUdh?: boolean): unknown };
  };
}
