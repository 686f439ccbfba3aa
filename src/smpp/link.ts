/**
 * One SMPP session toward an SMSC: TCP (or TLS), the bind, enquire_link both ways, unbind, and
 * the PDUs the SMSC sends us. The `smpp` package connects and writes; this class reads and frames
 * the PDUs itself, matches responses to requests, decides what a session does with each PDU, and
 * ends the session on anything it cannot trust.
 *
 * Whatever the SMSC sends, nothing escapes as an exception: a byte stream that cannot be framed
 * ends the session; a PDU whose body cannot be read is answered (generic_nack) or, a response,
 * settles its request by its header alone; each is reported as a 'protocol-error'.
 *
 * A dead link is found by what we receive, not by what we send: enquire_link goes out when
 * nothing has come in for `enquireLinkMs`, and the session ends when it is not answered within
 * `responseTimeoutMs`, or when `maxResponseTimeouts` requests in a row go unanswered.
 */
import { EventEmitter } from 'node:events';
import * as smpp from 'smpp';
import { SmsGateError } from '../errors';
import { responsePdu, submitSmPdu, type EncodedPdu } from './protocol/encode';
import { bindRefusal, COMMAND_STATUS, formatStatus, smppError } from './protocol/status';
import type { SubmitSmFields } from './protocol/submit';

export type BindType = 'transmitter' | 'receiver' | 'transceiver';

export interface LinkOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType: string;
  addressRange: string;
  bindType: BindType;
  tls: false | smpp.ConnectOptions;
  /** Nothing received for this long: we send enquire_link. */
  enquireLinkMs: number;
  /** How long we wait for any response. */
  responseTimeoutMs: number;
  /** Requests unanswered in a row (each for responseTimeoutMs) that end the session. */
  maxResponseTimeouts: number;
}

/** An inbound PDU the owner must answer; `reply` sends its response. */
export interface IncomingPdu {
  pdu: smpp.Pdu;
  reply(commandStatus?: number): void;
}

/** The fields of a response, as the package parsed them; empty when its body could not be read. */
export type ResponseFields = Readonly<Record<string, unknown>>;

export interface LinkEvents {
  bound: [];
  /** deliver_sm or data_sm: a receipt or an inbound message. */
  deliver: [IncomingPdu];
  /** The SMSC sent something wrong that the session survived: for the log. */
  'protocol-error': [SmsGateError];
  /** The session is over; `error` says why when it was not our own unbind. */
  closed: [SmsGateError | undefined];
}

interface PendingRequest {
  command: string;
  /** performance.now() after which the request fails for want of a response. */
  deadline: number;
  resolve(fields: ResponseFields): void;
  reject(err: SmsGateError): void;
  /** Called with a response that comes after the request timed out (see `timedOut`). */
  late?: LateResponse;
}

/** A response that came after its request had failed for want of it: its status, and its fields. */
export type LateResponse = (commandStatus: number, response: ResponseFields) => void;

/** Timed-out requests kept for their late responses: at most this many, for at most this long. */
const MAX_TIMED_OUT = 10_000;
const TIMED_OUT_KEPT_MS = 5 * 60_000;

const INTERFACE_VERSION = 0x34;
const HEADER_LENGTH = 16;
const GENERIC_NACK = 0x80000000;

export class SmppLink extends EventEmitter<LinkEvents> {
  private session: smpp.Session | undefined;
  private bound = false;
  private corked = false;
  private closing = false;
  /**
   * Requests waiting for their response, by sequence number, oldest first: every request gets
   * the same timeout, so their deadlines come in the order they were sent, and one timer, armed
   * for the oldest, serves them all (a timer per request was a measurable share of the CPU).
   */
  private readonly pending = new Map<number, PendingRequest>();
  private responseTimer: NodeJS.Timeout | undefined;
  /** Requests that timed out since the last response came. */
  private unanswered = 0;
  /**
   * Requests that timed out and asked to hear of a late response, by sequence number, oldest
   * first, with when they timed out: an SMSC that answers late still took the request.
   */
  private readonly timedOut = new Map<number, { command: string; late: LateResponse; at: number }>();
  /**
   * When a PDU last came in (performance.now(), which wall-clock jumps do not move). The idle
   * timer is not re-armed on every PDU: when it fires early (something came since), it sleeps
   * again for what is left of the idle period.
   */
  private lastReceived = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** The command_length octets of the PDU being read, once they are in. */
  private lengthOctets: Buffer | undefined;

  constructor(private readonly options: LinkOptions) {
    super();
  }

  get isBound(): boolean {
    return this.bound;
  }

  /**
   * Connects and binds; rejects with the bind's error: `bind refused by the SMSC: ESME_RINVPASWD
   * (wrong password)` with the status as providerCode, or the connection's failure
   * naming host:port.
   */
  open(): Promise<void> {
    const { host, port, tls } = this.options;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (err: SmsGateError) => {
        if (!settled) {
          settled = true;
          reject(err);
        }
        this.end(err);
      };
      let session: smpp.Session;
      try {
        session = smpp.connect({ ...(tls === false ? {} : tls), host, port, tls: tls !== false });
      } catch (err) {
        // net.connect throws at once for options it cannot use (a port out of range, ...).
        reject(toLinkError(err as Error, host, port));
        return;
      }
      this.session = session;
      // The session may end before the bind settles (a PDU after the bind_resp that cannot be
      // framed, in the same read): the open fails with that reason.
      const endedEarly = (reason: SmsGateError | undefined) =>
        fail(reason ?? new SmsGateError('TRANSPORT_UNAVAILABLE', 'the SMPP session was closed during the bind'));
      this.once('closed', endedEarly);
      this.readPdus(session);
      // Writes are batched per tick (batchWrites); Nagle's algorithm would only add delay.
      session.socket.setNoDelay(true);
      session.on('error', (err: Error) => fail(toLinkError(err, host, port)));
      session.on('close', () => fail(new SmsGateError('TRANSPORT_UNAVAILABLE', `the SMSC at ${host}:${port} closed the connection`)));
      session.on(tls === false ? 'connect' : 'secureConnect', () => {
        this.request(`bind_${this.options.bindType}`, {
          system_id: this.options.systemId,
          password: this.options.password,
          system_type: this.options.systemType,
          interface_version: INTERFACE_VERSION,
          address_range: this.options.addressRange,
        }).then(
          () => {
            if (settled || this.session !== session) return;
            settled = true;
            this.off('closed', endedEarly);
            this.bound = true;
            this.received();
            this.emit('bound');
            resolve();
          },
          (err: SmsGateError) => {
            const refused = err.code !== 'TRANSPORT_UNAVAILABLE' && typeof err.providerCode === 'number';
            fail(refused ? bindRefusal(err.providerCode as number) : err);
          },
        );
      });
    });
  }

  /**
   * Sends a request and resolves with its response's fields; a response with an error status
   * rejects with the SMPP error (its command_status as providerCode). No response in time
   * rejects with TRANSPORT_TEMPORARY.
   */
  request(command: string, fields: Record<string, unknown>): Promise<ResponseFields> {
    return this.send(command, () => new smpp.PDU(command, fields));
  }

  /**
   * submit_sm, encoded by protocol/encode.ts: as `request`, for the PDU sent for every segment.
   * `late` hears of a response that comes after the submit timed out (kept for a while, bounded).
   */
  submit(fields: SubmitSmFields, late?: LateResponse): Promise<ResponseFields> {
    return this.send('submit_sm', () => submitSmPdu(fields), late);
  }

  private send(command: string, build: () => smpp.Pdu | EncodedPdu, late?: LateResponse): Promise<ResponseFields> {
    return new Promise((resolve, reject) => {
      const session = this.session;
      if (session === undefined || this.closing) {
        reject(new SmsGateError('TRANSPORT_UNAVAILABLE', 'the SMPP session is not open'));
        return;
      }
      let pdu: smpp.Pdu | EncodedPdu;
      let written: boolean;
      try {
        pdu = build();
        this.batchWrites(session);
        // No response callback: responses are matched here (onResponse), so that a request that
        // timed out leaves nothing behind in the package.
        written = session.send(pdu);
      } catch (err) {
        reject(new SmsGateError('TRANSPORT_TEMPORARY', `${command} could not be encoded: ${(err as Error).message}`, { cause: err }));
        return;
      }
      if (!written) {
        // The socket failed (it is destroyed a tick later): the session is over now, so that
        // nobody keeps writing to it in the meantime.
        const error = new SmsGateError('TRANSPORT_UNAVAILABLE', 'the SMPP connection is not writable');
        this.end(error);
        reject(error);
        return;
      }
      this.pending.set(pdu.sequence_number, {
        command,
        deadline: performance.now() + this.options.responseTimeoutMs,
        resolve,
        reject,
        ...(late === undefined ? {} : { late }),
      });
      this.responseTimer ??= setTimeout(() => this.expireRequests(), this.options.responseTimeoutMs);
    });
  }

  /**
   * Fails the requests whose time is up, and sleeps until the next deadline. An unanswered
   * enquire_link, or `maxResponseTimeouts` requests in a row, end the session: the SMSC is gone
   * though the TCP connection is not.
   */
  private expireRequests(): void {
    this.responseTimer = undefined;
    const now = performance.now();
    const waited = this.options.responseTimeoutMs;
    for (const [sequence, request] of this.pending) {
      if (request.deadline > now) {
        this.responseTimer = setTimeout(() => this.expireRequests(), request.deadline - now);
        return;
      }
      this.pending.delete(sequence);
      if (request.late !== undefined) this.keepTimedOut(sequence, request.command, request.late, now);
      request.reject(new SmsGateError('TRANSPORT_TEMPORARY', `no ${request.command}_resp within ${waited} ms`));
      if (request.command === 'enquire_link') {
        return this.end(
          new SmsGateError('TRANSPORT_UNAVAILABLE', `link reset: enquire_link unanswered for ${waited} ms, after ${this.options.enquireLinkMs} ms with nothing received`),
        );
      }
      if (request.command.startsWith('bind_')) continue;
      if (++this.unanswered >= this.options.maxResponseTimeouts) {
        return this.end(
          new SmsGateError('TRANSPORT_UNAVAILABLE', `link reset: ${this.unanswered} requests in a row unanswered for ${waited} ms`),
        );
      }
    }
  }

  /** Remembers a timed-out request for its late response, forgetting the oldest beyond the bounds. */
  private keepTimedOut(sequence: number, command: string, late: LateResponse, now: number): void {
    this.timedOut.set(sequence, { command, late, at: now });
    for (const [oldest, { at }] of this.timedOut) {
      if (this.timedOut.size <= MAX_TIMED_OUT && now - at < TIMED_OUT_KEPT_MS) break;
      this.timedOut.delete(oldest);
    }
  }

  /**
   * A response to no request in flight that answers one which timed out: handed to whoever asked
   * for it (a response of another kind, or a generic_nack, as a refusal). False when it answers
   * nothing we know.
   */
  private lateResponse(sequence: number, command: string | undefined, status: number, fields: ResponseFields): boolean {
    const timedOut = this.timedOut.get(sequence);
    if (timedOut === undefined) return false;
    this.timedOut.delete(sequence);
    const answers = command === `${timedOut.command}_resp`;
    timedOut.late(answers ? status : status || COMMAND_STATUS.ESME_RUNKNOWNERR, answers ? fields : {});
    return true;
  }

  /**
   * The package writes each PDU with its own socket.write; corking the socket until the end of
   * this tick sends all PDUs of a burst in one TCP segment instead of one each.
   */
  private batchWrites(session: smpp.Session): void {
    if (this.corked) return;
    this.corked = true;
    session.socket.cork();
    process.nextTick(() => {
      this.corked = false;
      session.socket.uncork();
    });
  }

  /** Unbinds politely (waiting briefly for unbind_resp), then closes the connection. */
  async close(): Promise<void> {
    if (this.session === undefined) return;
    if (this.bound && !this.closing) {
      await this.request('unbind', {}).catch(() => undefined);
    }
    this.end(undefined);
  }

  /** Ends the session at once: requests in flight reject with `reason`. */
  end(reason: SmsGateError | undefined): void {
    const session = this.session;
    if (session === undefined) return;
    this.session = undefined;
    this.closing = true;
    this.bound = false;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    clearTimeout(this.responseTimer);
    this.responseTimer = undefined;
    const failure = reason ?? new SmsGateError('TRANSPORT_UNAVAILABLE', 'the SMPP session was closed');
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.timedOut.clear();
    for (const { reject } of pending) reject(failure);
    session.removeAllListeners();
    session.socket.removeAllListeners('readable');
    session.on('error', () => undefined);
    session.destroy();
    this.emit('closed', reason);
  }

  // --- what comes in -------------------------------------------------------------------------

  /**
   * Takes the socket's reading over from the package: its reader throws on a command_length
   * below the header's (then stops reading for good), hands a PDU whose body it cannot parse to
   * nobody, and calls response callbacks outside its error handling.
   */
  private readPdus(session: smpp.Session): void {
    session.socket.removeAllListeners('readable');
    session.socket.on('readable', () => {
      try {
        this.readFrames(session);
      } catch (err) {
        // A bug of ours, or a PDU that broke a handler: this session can no longer be trusted.
        this.end(this.protocolError(`the session failed on what the SMSC sent: ${(err as Error).message}`));
      }
    });
  }

  private readFrames(session: smpp.Session): void {
    const socket = session.socket;
    while (this.session === session) {
      if (this.lengthOctets === undefined) {
        const head = socket.read(4) as Buffer | null;
        if (head === null) return;
        const length = head.readUInt32BE(0);
        if (length < HEADER_LENGTH || length > smpp.PDU.maxLength) {
          // There is no telling where the next PDU starts: the stream is lost.
          const what = length < HEADER_LENGTH ? `below the ${HEADER_LENGTH}-octet header` : `above the ${smpp.PDU.maxLength} we accept`;
          this.end(this.protocolError(`command_length ${length} is ${what}: the byte stream cannot be framed`));
          return;
        }
        this.lengthOctets = head;
      }
      const rest = socket.read(this.lengthOctets.readUInt32BE(0) - 4) as Buffer | null;
      if (rest === null) return;
      const frame = Buffer.concat([this.lengthOctets, rest]);
      this.lengthOctets = undefined;
      this.onFrame(session, frame);
    }
  }

  private onFrame(session: smpp.Session, frame: Buffer): void {
    this.received();
    const commandId = frame.readUInt32BE(4);
    const commandStatus = frame.readUInt32BE(8);
    const sequence = frame.readUInt32BE(12);
    let pdu: smpp.Pdu;
    try {
      pdu = parseWithRawUserData(frame);
    } catch (err) {
      const what = `command_id ${formatStatus(commandId)}, sequence ${sequence}`;
      this.protocolError(`a PDU (${what}) whose body cannot be read: ${(err as Error).message}`);
      if (isResponse(commandId)) this.onResponse(commandId, commandStatus, sequence, {});
      else this.nack(session, sequence, COMMAND_STATUS.ESME_RINVCMDLEN);
      return;
    }
    if (pdu.isResponse()) this.onResponse(commandId, commandStatus, sequence, pdu);
    else this.onRequest(session, pdu);
  }

  /** Settles the request a response answers (its fields empty when its body could not be read). */
  private onResponse(commandId: number, status: number, sequence: number, fields: ResponseFields): void {
    this.unanswered = 0;
    const request = this.pending.get(sequence);
    const command = commandName(commandId);
    const name = command ?? `command_id ${formatStatus(commandId)}`;
    if (request === undefined) {
      if (this.lateResponse(sequence, command, status, fields)) return;
      this.protocolError(`a ${name} (sequence ${sequence}) that answers no request in flight: ignored`);
      return;
    }
    this.pending.delete(sequence);
    if (commandId === GENERIC_NACK) {
      // A generic_nack with status 0 says nothing, yet refuses the request all the same.
      this.protocolError(`${request.command} (sequence ${sequence}) answered with generic_nack ${formatStatus(status)}`);
      request.reject(smppError(status === 0 ? COMMAND_STATUS.ESME_RUNKNOWNERR : status, request.command));
      return;
    }
    if (command !== `${request.command}_resp`) {
      // Whether the SMSC took the request is unknown: a temporary failure, retried within bounds.
      const error = this.protocolError(`${request.command} (sequence ${sequence}) answered with a ${name}`);
      request.reject(new SmsGateError('TRANSPORT_TEMPORARY', error.message));
      return;
    }
    if (status !== 0) request.reject(smppError(status, request.command));
    else request.resolve(fields);
  }

  private onRequest(session: smpp.Session, pdu: smpp.Pdu): void {
    const reply = (commandStatus = 0) => {
      if (this.session !== session) return;
      try {
        this.batchWrites(session);
        // The answer to every receipt is encoded here (protocol/encode.ts); the package builds the rest.
        const deliver = pdu.command === 'deliver_sm' || pdu.command === 'data_sm';
        session.send(deliver ? responsePdu(pdu, commandStatus) : pdu.response({ command_status: commandStatus }));
      } catch (err) {
        this.protocolError(`the ${pdu.command}_resp could not be sent: ${(err as Error).message}`);
      }
    };
    switch (pdu.command) {
      case 'enquire_link':
        return reply();
      case 'unbind':
        reply();
        return this.end(new SmsGateError('TRANSPORT_UNAVAILABLE', 'the SMSC unbound the session'));
      case 'deliver_sm':
      case 'data_sm':
        this.emit('deliver', { pdu, reply });
        return;
      case 'alert_notification':
        return; // has no response
      default:
        // An unknown command id, and any request an ESME has no business receiving (a bind,
        // outbind, submit_sm ...): generic_nack, which every command id may get.
        this.protocolError(`an unexpected ${commandName(pdu.command_id) ?? `command_id ${formatStatus(pdu.command_id)}`}: answered generic_nack`);
        return this.nack(session, pdu.sequence_number, COMMAND_STATUS.ESME_RINVCMDID);
    }
  }

  private nack(session: smpp.Session, sequence: number, status: number): void {
    this.batchWrites(session);
    session.send(new smpp.PDU('generic_nack', { sequence_number: sequence, command_status: status }));
  }

  /** Reports what the SMSC got wrong; returns it as the error to end the session with, when it must end. */
  private protocolError(message: string): SmsGateError {
    const error = new SmsGateError('TRANSPORT_TEMPORARY', `SMPP protocol error from ${this.options.host}:${this.options.port}: ${message}`);
    this.emit('protocol-error', error);
    return error;
  }

  // --- keeping the link alive ----------------------------------------------------------------

  /** A PDU came in: the next enquire_link is due one idle period from now. */
  private received(): void {
    this.lastReceived = performance.now();
    if (this.bound) this.idleTimer ??= setTimeout(() => this.idle(), this.options.enquireLinkMs);
  }

  private idle(): void {
    this.idleTimer = undefined;
    if (this.session === undefined || !this.bound) return;
    const quietFor = performance.now() - this.lastReceived;
    if (quietFor < this.options.enquireLinkMs) {
      this.idleTimer = setTimeout(() => this.idle(), this.options.enquireLinkMs - quietFor);
      return;
    }
    // Unanswered, it ends the session (expireRequests); answered, the response re-arms the timer.
    this.request('enquire_link', {}).catch(() => undefined);
  }
}

function isResponse(commandId: number): boolean {
  return (commandId & GENERIC_NACK) !== 0;
}

/** Command names by id, read once each: parsing a header for every response was a third of the package's parsing. */
const commandNames = new Map<number, string | undefined>();

/** The package's name for a command id (`submit_sm_resp`), read from a bare header; undefined for an id it does not know. */
function commandName(commandId: number): string | undefined {
  if (commandNames.has(commandId)) return commandNames.get(commandId);
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt32BE(HEADER_LENGTH, 0);
  header.writeUInt32BE(commandId >>> 0, 4);
  const parsed = new smpp.PDU(header).command;
  const command = parsed === 'unknown' ? undefined : parsed;
  // Bounded: a hostile peer sending every possible id would otherwise grow it without end.
  if (commandNames.size < 256) commandNames.set(commandId, command);
  return command;
}

/** command_id of deliver_sm and data_sm: the PDUs that bring receipts and inbound SMS. */
const CARRIES_MESSAGES = new Set([0x00000005, 0x00000103]);

/**
 * deliver_sm and data_sm are parsed as instances of a class of their own, for speed. The package
 * sets each field under a computed name, and V8 keeps an object built that way in fast mode only
 * while few of its fields live outside the object; it sizes the objects of a class by the first
 * few it sees. As plain PDUs, the receipts' 25 or so fields came after the small bind and
 * submit_sm responses and fell to dictionary mode: their parse took twice the time and about
 * three times the garbage.
 */
class MessagePdu extends smpp.PDU {}

/**
 * The package decodes short_message and message_payload into text as it parses, with known
 * charset and UDH bugs (protocol/deliver-sm.ts). While a PDU is parsed here, its decode step is
 * swapped for one that keeps the octets as received; the swap is synchronous, so other users of
 * the package in the process never see it.
 */
function parseWithRawUserData(frame: Buffer): smpp.Pdu {
  const decode = smpp.filters.message.decode;
  smpp.filters.message.decode = (value) => value;
  try {
    return CARRIES_MESSAGES.has(frame.readUInt32BE(4)) ? new MessagePdu(frame) : new smpp.PDU(frame);
  } finally {
    smpp.filters.message.decode = decode;
  }
}

/** `SMSC 127.0.0.1:2775 refused the connection`, `SMSC smsc.example:2775: name lookup failed (ENOTFOUND)`. */
export function toLinkError(err: Error, host: string, port: number): SmsGateError {
  const code = (err as NodeJS.ErrnoException).code;
  const what =
    code === 'ECONNREFUSED'
      ? 'refused the connection'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? `: name lookup failed (${code})`
        : code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
          ? `: unreachable (${code})`
          : `: ${err.message}`;
  const message = what.startsWith(':') ? `SMSC ${host}:${port}${what}` : `SMSC ${host}:${port} ${what}`;
  return new SmsGateError('TRANSPORT_UNAVAILABLE', message, { cause: err });
}
