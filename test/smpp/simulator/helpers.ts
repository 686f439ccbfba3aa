/**
 * ESMEs to test the simulator with. `Esme` is the `smpp` npm package's client, an SMPP
 * implementation independent of the simulator's own codec; `RawEsme` is a plain socket for the
 * exact octets (malformed PDUs, MO user data) and for sending bytes no client library would.
 */
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { connect as connectTcp, type Socket } from 'node:net';
import { waitForEvent } from '../../helpers/events';
import { SmscSimulator, type SmscSimulatorOptions } from '../../../src/smpp/simulator';

/** The parts of the `smpp` package these tests use (it ships no types). */
export interface SmppPdu {
  command: string;
  command_id: number;
  command_status: number;
  sequence_number: number;
  [field: string]: any;
}
interface SmppClientSession extends EventEmitter {
  send(pdu: SmppPdu, onResponse?: (pdu: SmppPdu) => void): boolean;
  close(): void;
  destroy(): void;
  socket: Socket;
}
interface SmppLibrary {
  connect(options: Record<string, unknown>): SmppClientSession;
  PDU: new (command: string, fields?: Record<string, unknown>) => SmppPdu & { toBuffer(): Buffer; response(fields?: Record<string, unknown>): SmppPdu };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const smpp = require('smpp') as SmppLibrary;

export const SUBMIT = 0x00000004;

/** Starts a simulator on a free port, stopped by stopAll(). */
const running: SmscSimulator[] = [];
export async function startSimulator(options: SmscSimulatorOptions = {}): Promise<{ sim: SmscSimulator; port: number }> {
  const sim = new SmscSimulator({ port: 0, dlrDelayMs: 10, ...options });
  const { port } = await sim.start();
  running.push(sim);
  return { sim, port };
}
export async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((sim) => sim.stop()));
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}


/**
 * An ESME on the `smpp` package. deliver_sm are recorded and, unless `answerDelivers` is false,
 * acknowledged; an unbind from the simulator is answered.
 */
export class Esme {
  readonly delivers: SmppPdu[] = [];
  /** Every PDU received, in order. */
  readonly received: SmppPdu[] = [];
  readonly errors: Error[] = [];
  answerDelivers = true;
  /** The command_status of the next deliver_sm_resp, then 0 again. */
  nextDeliverStatus = 0;
  closed = false;
  private readonly events = new EventEmitter();

  private constructor(readonly session: SmppClientSession) {
    this.events.setMaxListeners(0); // one 'close' listener per request in flight
    session.on('error', (error: Error) => this.errors.push(error));
    session.on('close', () => {
      this.closed = true;
      this.events.emit('close');
    });
    session.on('pdu', (pdu: SmppPdu) => this.received.push(pdu));
    session.on('unbind', (pdu: SmppPdu) => session.send(pdu.response()));
    session.on('deliver_sm', (pdu: SmppPdu) => {
      this.delivers.push(pdu);
      if (this.answerDelivers) {
        session.send(pdu.response({ command_status: this.nextDeliverStatus }));
        this.nextDeliverStatus = 0;
      }
      this.events.emit('deliver_sm', pdu);
    });
  }

  static async connect(port: number, tls?: Record<string, unknown>): Promise<Esme> {
    const url = `${tls ? 'ssmpp' : 'smpp'}://127.0.0.1:${port}`;
    const session = smpp.connect({ url, ...tls });
    await once(session, tls ? 'secureConnect' : 'connect');
    return new Esme(session);
  }

  /** Sends a request and resolves with its response; rejects if the connection closes or `ms` pass first. */
  request(command: string, fields: Record<string, unknown> = {}, ms = 3000): Promise<SmppPdu> {
    return new Promise((resolve, reject) => {
      const fail = (reason: string) => {
        clearTimeout(timer);
        this.events.off('close', onClose);
        reject(new Error(`${command}: ${reason}`));
      };
      const onClose = () => fail('the connection closed before the response');
      const timer = setTimeout(() => fail(`no response within ${ms} ms`), ms);
      this.events.once('close', onClose);
      const sent = this.session.send(new smpp.PDU(command, fields), (response) => {
        clearTimeout(timer);
        this.events.off('close', onClose);
        resolve(response);
      });
      if (!sent) fail('the connection is closed');
    });
  }

  bind(mode: 'transmitter' | 'receiver' | 'transceiver' = 'transceiver', fields: Record<string, unknown> = {}): Promise<SmppPdu> {
    return this.request(`bind_${mode}`, { system_id: 'test', password: 'secret', ...fields });
  }

  /** A submit_sm of GSM 7-bit text that needs no escapes (the same octets in ASCII). */
  submit(text: string, fields: Record<string, unknown> = {}): Promise<SmppPdu> {
    return this.request('submit_sm', {
      source_addr: 'ACME',
      source_addr_ton: 5,
      destination_addr: '447700900123',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      data_coding: 0,
      short_message: Buffer.from(text, 'latin1'),
      ...fields,
    });
  }

  async waitForDelivers(count: number, ms = 3000): Promise<SmppPdu[]> {
    const deadline = Date.now() + ms;
    while (this.delivers.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} deliver_sm, got ${this.delivers.length}`);
      await waitForEvent(this.events, 'deliver_sm', left).catch(() => undefined);
    }
    return this.delivers.slice(0, count);
  }

  async waitClosed(ms = 3000): Promise<void> {
    if (!this.closed) await waitForEvent(this.events, 'close', ms);
  }

  close(): void {
    this.session.destroy();
  }
}

export interface RawPdu {
  commandLength: number;
  commandId: number;
  commandStatus: number;
  sequenceNumber: number;
  /** The whole PDU as received. */
  bytes: Buffer;
}

/** A plain socket speaking SMPP octet by octet; requests are encoded with the `smpp` package. */
export class RawEsme {
  private buffered = Buffer.alloc(0);
  private readonly events = new EventEmitter();
  ended = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.events.emit('data');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.ended = true;
      this.events.emit('data');
    });
  }

  static async connect(port: number): Promise<RawEsme> {
    const socket = connectTcp(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RawEsme(socket);
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  send(command: string, fields: Record<string, unknown> = {}): void {
    this.write(new smpp.PDU(command, fields).toBuffer());
  }

  /** Exactly `count` octets, or rejects when the connection closes or `ms` pass first. */
  async read(count: number, ms = 3000): Promise<Buffer> {
    const deadline = Date.now() + ms;
    while (this.buffered.length < count) {
      if (this.ended) throw new Error(`connection closed after ${this.buffered.length} of ${count} octets`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`got ${this.buffered.length} of ${count} octets within ${ms} ms`);
      await waitForEvent(this.events, 'data', left).catch(() => undefined);
    }
    const bytes = this.buffered.subarray(0, count);
    this.buffered = this.buffered.subarray(count);
    return bytes;
  }

  /** The next PDU, framed by its command_length. */
  async readPdu(ms = 3000): Promise<RawPdu> {
    const header = await this.read(16, ms);
    const commandLength = header.readUInt32BE(0);
    const body = await this.read(commandLength - 16, ms);
    return {
      commandLength,
      commandId: header.readUInt32BE(4),
      commandStatus: header.readUInt32BE(8),
      sequenceNumber: header.readUInt32BE(12),
      bytes: Buffer.concat([header, body]),
    };
  }

  /** Whatever arrives until the connection closes (or `ms`). */
  async readToEnd(ms = 3000): Promise<Buffer> {
    const deadline = Date.now() + ms;
    while (!this.ended && Date.now() < deadline) {
      await waitForEvent(this.events, 'data', deadline - Date.now()).catch(() => undefined);
    }
    assert.ok(this.ended, 'expected the simulator to close the connection');
    const bytes = this.buffered;
    this.buffered = Buffer.alloc(0);
    return bytes;
  }

  /** Binds and checks the bind succeeded. */
  async bind(mode: 'transmitter' | 'receiver' | 'transceiver' = 'transceiver'): Promise<void> {
    this.send(`bind_${mode}`, { system_id: 'test', password: 'secret', sequence_number: 1 });
    const response = await this.readPdu();
    assert.equal(response.commandStatus, 0, 'bind accepted');
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * The short_message octets of a raw deliver_sm, found by walking its mandatory fields (SMPP 3.4
 * §4.6.1) independently of the simulator's codec.
 */
export function shortMessageOf(pdu: Buffer): Buffer {
  let offset = 16;
  const skipCString = () => {
    offset = pdu.indexOf(0, offset) + 1;
  };
  skipCString(); // service_type
  offset += 2; // source_addr_ton, source_addr_npi
  skipCString(); // source_addr
  offset += 2; // dest_addr_ton, dest_addr_npi
  skipCString(); // destination_addr
  offset += 3; // esm_class, protocol_id, priority_flag
  skipCString(); // schedule_delivery_time
  skipCString(); // validity_period
  offset += 4; // registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id
  const length = pdu[offset]!;
  return pdu.subarray(offset + 1, offset + 1 + length);
}

export { waitForEvent };
