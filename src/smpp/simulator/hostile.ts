/**
 * A hostile SMSC: a TCP peer that answers each PDU an ESME sends as a script tells it, right or
 * wrong: the right response, a response without a message id or without a body, a random body
 * under any command id, a header whose command_length lies, random bytes, unsolicited requests,
 * silence, a refused bind, a closed connection. Fuzz tests and `bench/hostile-smsc.js` drive the
 * SMPP transport against it; the well-behaved SMSC is SmscSimulator.
 *
 * It never throws at its client's input either: what it cannot frame it drops with the connection.
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { BodyWriter, encodePdu, PduFramer, type Pdu } from './pdu';
import { COMMAND, HEADER_LENGTH, isResponse, responseIdOf, STATUS } from './protocol';

/** Every command id of SMPP 3.4 and 5.0, requests and responses, generic_nack included. */
export const SMPP_COMMAND_IDS: readonly number[] = [
  0x00000001, 0x00000002, 0x00000003, 0x00000004, 0x00000005, 0x00000006, 0x00000007, 0x00000008, 0x00000009,
  0x0000000b, 0x00000015, 0x00000021, 0x00000102, 0x00000103, 0x00000111, 0x00000112, 0x00000113,
].flatMap((id) => (id === 0x0000000b || id === 0x00000102 ? [id] : [id, (id | 0x80000000) >>> 0])).concat([0x80000000]);

/** What the hostile SMSC does with one PDU it received. */
export type HostileAction =
  /** The right response: a bind accepted, a submit_sm given a fresh message id, ... */
  | { kind: 'answer' }
  /** Status 0 and message_id a lone NUL (`empty`) or no body at all (`none`). */
  | { kind: 'blank-id'; body: 'empty' | 'none' }
  /** The right response command and sequence, with this status and these octets as its body. */
  | { kind: 'random-body'; status: number; body: Buffer }
  /** A PDU under another command id with the request's sequence number. */
  | { kind: 'wrong-command'; commandId: number; status: number; body: Buffer }
  /** The right answer, preceded by an unsolicited PDU (any command id, any body). */
  | { kind: 'unsolicited'; commandId: number; status: number; sequence: number; body: Buffer }
  /** A header whose command_length is this (below 16, or beyond any limit): the stream is lost. */
  | { kind: 'bad-length'; length: number }
  /** These octets instead of an answer. */
  | { kind: 'random-bytes'; bytes: Buffer }
  /** No answer at all. */
  | { kind: 'silence' }
  /** The response with an error status (a bind refused with ESME_RINVPASWD, ...). */
  | { kind: 'refuse'; status: number }
  /** The connection closed at once. */
  | { kind: 'close' };

export interface HostileRequest {
  sessionId: number;
  commandId: number;
  sequenceNumber: number;
  /** Requests of this session so far, this one included. */
  index: number;
}

export interface HostileSmscOptions {
  /** Chooses what to do with each request; default: answer everything right. */
  script?: (request: HostileRequest) => HostileAction;
  host?: string;
  port?: number;
}

export interface HostileCounts {
  /** PDUs (and runs of random bytes) written to clients. */
  pdusSent: number;
  sessions: number;
  /** Binds answered as accepted. */
  binds: number;
  /** submit_sm received, and how many were answered status 0 (with an id or blank). */
  submits: number;
  submitsAccepted: number;
}

export interface HostileSmscEvents {
  /** A submit_sm answered status 0; `messageId` '' when the answer carried none. */
  accepted: [{ sessionId: number; messageId: string; destination: string }];
  submit: [{ sessionId: number; destination: string }];
  session: [{ sessionId: number }];
}

export class HostileSmsc extends EventEmitter<HostileSmscEvents> {
  readonly counts: HostileCounts = { pdusSent: 0, sessions: 0, binds: 0, submits: 0, submitsAccepted: 0 };
  script: (request: HostileRequest) => HostileAction;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private nextMessageId = 1;

  constructor(private readonly options: HostileSmscOptions = {}) {
    super();
    this.script = options.script ?? (() => ({ kind: 'answer' }));
  }

  async start(): Promise<{ host: string; port: number }> {
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    server.on('error', () => undefined);
    this.server = server;
    const address = server.address() as { address: string; port: number };
    return { host: address.address, port: address.port };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server !== undefined) await new Promise((resolve) => server.close(resolve));
  }

  /** Writes these octets, unasked, to every client connection; returns how many got them. */
  sendToAll(bytes: Buffer): number {
    let written = 0;
    for (const socket of this.sockets) {
      if (!socket.writable) continue;
      this.write(socket, bytes);
      written++;
    }
    return written;
  }

  /** Closes every client connection (the listener stays). */
  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private accept(socket: Socket): void {
    const sessionId = ++this.counts.sessions;
    this.sockets.add(socket);
    this.emit('session', { sessionId });
    const framer = new PduFramer();
    let index = 0;
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      let pdus: Pdu[];
      try {
        pdus = framer.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const pdu of pdus) {
        if (socket.destroyed) return;
        // Responses (deliver_sm_resp, generic_nack) need nothing from an SMSC this simple.
        if (isResponse(pdu.commandId)) continue;
        const request = { sessionId, commandId: pdu.commandId, sequenceNumber: pdu.sequenceNumber, index: ++index };
        const destination = pdu.commandId === COMMAND.submit_sm ? destinationOf(pdu.body) : undefined;
        if (destination !== undefined) {
          this.counts.submits++;
          this.emit('submit', { sessionId, destination });
        }
        this.act(socket, pdu, this.script(request), sessionId, destination);
      }
    });
  }

  /** `destination` is given for a submit_sm. */
  private act(socket: Socket, pdu: Pdu, action: HostileAction, sessionId: number, destination: string | undefined): void {
    const isSubmit = destination !== undefined;
    const respond = (status: number, body?: Buffer) => this.write(socket, encodePdu(responseIdOf(pdu.commandId), status, pdu.sequenceNumber, body));
    const accepted = (messageId: string) => {
      if (!isSubmit) return;
      this.counts.submitsAccepted++;
      this.emit('accepted', { sessionId, messageId, destination: destination ?? '' });
    };
    switch (action.kind) {
      case 'answer': {
        if (pdu.commandId === COMMAND.unbind) {
          respond(STATUS.ESME_ROK);
          socket.end();
          return;
        }
        const messageId = isSubmit ? (this.nextMessageId++).toString(16) : '';
        respond(STATUS.ESME_ROK, this.answerBody(pdu.commandId, messageId));
        if (BIND_COMMANDS.has(pdu.commandId)) this.counts.binds++;
        accepted(messageId);
        return;
      }
      case 'blank-id':
        respond(STATUS.ESME_ROK, action.body === 'empty' ? Buffer.from([0]) : undefined);
        accepted('');
        return;
      case 'random-body':
        this.write(socket, withBody(responseIdOf(pdu.commandId), action.status, pdu.sequenceNumber, action.body));
        return;
      case 'wrong-command':
        this.write(socket, withBody(action.commandId, action.status, pdu.sequenceNumber, action.body));
        return;
      case 'unsolicited':
        this.write(socket, withBody(action.commandId, action.status, action.sequence, action.body));
        this.act(socket, pdu, { kind: 'answer' }, sessionId, destination);
        return;
      case 'bad-length': {
        const header = encodePdu(responseIdOf(pdu.commandId), 0, pdu.sequenceNumber);
        header.writeUInt32BE(action.length >>> 0, 0);
        this.write(socket, header);
        return;
      }
      case 'random-bytes':
        this.write(socket, action.bytes);
        return;
      case 'silence':
        return;
      case 'refuse':
        // Status 0 would be no refusal: 0x08 ESME_RSYSERR instead.
        respond(action.status === 0 ? 0x08 : action.status);
        return;
      case 'close':
        socket.destroy();
        return;
    }
  }

  private answerBody(commandId: number, messageId: string): Buffer | undefined {
    switch (commandId) {
      case COMMAND.bind_receiver:
      case COMMAND.bind_transmitter:
      case COMMAND.bind_transceiver:
        return new BodyWriter().cstring('hostile').toBuffer();
      case COMMAND.submit_sm:
        return new BodyWriter().cstring(messageId).toBuffer();
      default:
        return undefined;
    }
  }

  private write(socket: Socket, bytes: Buffer): void {
    if (!socket.writable) return;
    this.counts.pdusSent++;
    socket.write(bytes);
  }
}

const BIND_COMMANDS = new Set<number>([COMMAND.bind_receiver, COMMAND.bind_transmitter, COMMAND.bind_transceiver]);

/** A PDU of this command id, status and sequence whose body is these octets, its length true. */
function withBody(commandId: number, status: number, sequence: number, body: Buffer): Buffer {
  const bytes = Buffer.alloc(HEADER_LENGTH + body.length);
  bytes.writeUInt32BE(bytes.length, 0);
  bytes.writeUInt32BE(commandId >>> 0, 4);
  bytes.writeUInt32BE(status >>> 0, 8);
  bytes.writeUInt32BE(sequence >>> 0, 12);
  body.copy(bytes, HEADER_LENGTH);
  return bytes;
}

/** submit_sm's destination_addr (§4.4.1: after service_type, the source's TON, NPI and address, and the destination's TON and NPI). */
function destinationOf(body: Buffer): string {
  let offset = 0;
  const cstring = () => {
    const end = body.indexOf(0, offset);
    const stop = end === -1 ? body.length : end;
    const value = body.toString('latin1', offset, stop);
    offset = stop + 1;
    return value;
  };
  cstring(); // service_type
  offset += 2;
  cstring(); // source_addr
  offset += 2;
  return offset <= body.length ? cstring() : '';
}
