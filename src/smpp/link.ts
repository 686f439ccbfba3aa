/**
 * One SMPP session toward an SMSC: TCP (or TLS), the bind, enquire_link both ways, unbind, and
 * the PDUs the SMSC sends us. The `smpp` package frames the PDUs; this class decides what a
 * session does with them, and ends the session on anything it cannot trust.
 */
import { EventEmitter } from 'node:events';
import * as smpp from 'smpp';
import { SmsGateError } from '../errors';
import { responsePdu, submitSmPdu, type EncodedPdu } from './protocol/encode';
import { smppError } from './protocol/status';
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
  /** Idle time after which we send enquire_link; also how long we wait for any response. */
  enquireLinkMs: number;
  responseTimeoutMs: number;
}

/** An inbound PDU the owner must answer; `reply` sends its response. */
export interface IncomingPdu {
  pdu: smpp.Pdu;
  reply(commandStatus?: number): void;
}

export interface LinkEvents {
  bound: [];
  /** deliver_sm or data_sm: a receipt or an inbound message. */
  deliver: [IncomingPdu];
  /** The session is over; `error` says why when it was not our own unbind. */
  closed: [SmsGateError | undefined];
}

interface PendingRequest {
  command: string;
  /** performance.now() after which the request fails for want of a response. */
  deadline: number;
  reject(err: SmsGateError): void;
  /** Called with a response that comes after the request timed out (see `timedOut`). */
  late?: LateResponse;
}

/** A response that came after its request had failed for want of it: its status, and its fields. */
export type LateResponse = (commandStatus: number, response: smpp.Pdu) => void;

/** Timed-out requests kept for their late responses: at most this many, for at most this long. */
const MAX_TIMED_OUT = 10_000;
const TIMED_OUT_KEPT_MS = 5 * 60_000;

const INTERFACE_VERSION = 0x34;
const ESME_RINVCMDID = 0x03;

/**
 * The `smpp` package decodes short_message and message_payload into text as it parses, with
 * known charset and UDH bugs. While this link's PDUs are parsed, its decode step is swapped for
 * one that keeps the octets as received; the swap is synchronous, so other users of the
 * package in the process never see it.
 */
function parseWithRawUserData(session: smpp.Session): void {
  const internal = session as unknown as { _extractPDUs: () => void };
  const extract = internal._extractPDUs.bind(session);
  internal._extractPDUs = () => {
    const decode = smpp.filters.message.decode;
    smpp.filters.message.decode = (value) => value;
    try {
      extract();
    } finally {
      smpp.filters.message.decode = decode;
    }
  };
  session.socket.removeAllListeners('readable');
  session.socket.on('readable', internal._extractPDUs);
}

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
  /**
   * Requests that timed out and asked to hear of a late response, by sequence number, oldest
   * first, with when they timed out: an SMSC that answers late still took the request.
   */
  private readonly timedOut = new Map<number, { late: LateResponse; at: number }>();
  /**
   * When a PDU last went either way (performance.now(), which wall-clock jumps do not move). The
   * idle timer is not re-armed on every PDU: when it fires early (there was traffic since), it
   * sleeps again for what is left of the idle period.
   */
  private lastTraffic = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LinkOptions) {
    super();
  }

  get isBound(): boolean {
    return this.bound;
  }

  /** Connects and binds; rejects with the bind's error (the SMSC's command_status when it gave one). */
  open(): Promise<void> {
    const { host, port, tls } = this.options;
    return new Promise<void>((resolve, reject) => {
      const session = smpp.connect({ ...(tls === false ? {} : tls), host, port, tls: tls !== false });
      this.session = session;
      parseWithRawUserData(session);
      // Writes are batched per tick (batchWrites); Nagle's algorithm would only add delay.
      session.socket.setNoDelay(true);
      let settled = false;
      const fail = (err: SmsGateError) => {
        if (!settled) {
          settled = true;
          reject(err);
        }
        this.end(err);
      };
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
            settled = true;
            this.bound = true;
            this.touch();
            this.emit('bound');
            resolve();
          },
          (err: SmsGateError) => fail(err),
        );
      });
      session.on('pdu', (pdu: smpp.Pdu) => this.onPdu(pdu));
    });
  }

  /**
   * Sends a request and resolves with its response; a response with an error status rejects
   * with the SMPP error (its command_status as providerCode). No response in time rejects
   * with TRANSPORT_TEMPORARY.
   */
  request(command: string, fields: Record<string, unknown>): Promise<smpp.Pdu> {
    return this.send(command, new smpp.PDU(command, fields));
  }

  /**
   * submit_sm, encoded by protocol/encode.ts: as `request`, for the PDU sent for every segment.
   * `late` hears of a response that comes after the submit timed out (kept for a while, bounded).
   */
  submit(fields: SubmitSmFields, late?: LateResponse): Promise<smpp.Pdu> {
    return this.send('submit_sm', submitSmPdu(fields), late);
  }

  private send(command: string, pdu: smpp.Pdu | EncodedPdu, late?: LateResponse): Promise<smpp.Pdu> {
    return new Promise((resolve, reject) => {
      const session = this.session;
      if (session === undefined || this.closing) {
        reject(new SmsGateError('TRANSPORT_UNAVAILABLE', 'the SMPP session is not open'));
        return;
      }
      this.batchWrites(session);
      const written = session.send(pdu, (response) => {
        if (!this.pending.delete(pdu.sequence_number)) return this.lateResponse(pdu.sequence_number, response);
        if (response.command_status === 0) resolve(response);
        else reject(smppError(response.command_status, command));
      });
      if (!written) {
        // The socket failed (it is destroyed a tick later): the session is over now, so that
        // nobody keeps writing to it in the meantime.
        const error = new SmsGateError('TRANSPORT_UNAVAILABLE', 'the SMPP connection is not writable');
        this.end(error);
        reject(error);
        return;
      }
      this.pending.set(pdu.sequence_number, { command, deadline: performance.now() + this.options.responseTimeoutMs, reject, ...(late === undefined ? {} : { late }) });
      this.responseTimer ??= setTimeout(() => this.expireRequests(), this.options.responseTimeoutMs);
      this.touch();
    });
  }

  /** Fails the requests whose time is up, and sleeps until the next deadline. */
  private expireRequests(): void {
    this.responseTimer = undefined;
    const now = performance.now();
    for (const [sequence, request] of this.pending) {
      if (request.deadline > now) {
        this.responseTimer = setTimeout(() => this.expireRequests(), request.deadline - now);
        return;
      }
      this.pending.delete(sequence);
      if (request.late !== undefined) this.keepTimedOut(sequence, request.late, now);
      request.reject(
        new SmsGateError('TRANSPORT_TEMPORARY', `no ${request.command}_resp within ${this.options.responseTimeoutMs} ms`),
      );
    }
  }

  /** Remembers a timed-out request for its late response, forgetting the oldest beyond the bounds. */
  private keepTimedOut(sequence: number, late: LateResponse, now: number): void {
    this.timedOut.set(sequence, { late, at: now });
    for (const [oldest, { at }] of this.timedOut) {
      if (this.timedOut.size <= MAX_TIMED_OUT && now - at < TIMED_OUT_KEPT_MS) break;
      this.timedOut.delete(oldest);
    }
  }

  /** A response to no request in flight: a late one is handed to whoever asked for it; any other is ignored. */
  private lateResponse(sequence: number, response: smpp.Pdu): void {
    const timedOut = this.timedOut.get(sequence);
    if (timedOut === undefined) return;
    this.timedOut.delete(sequence);
    timedOut.late(response.command_status, response);
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
    session.on('error', () => undefined);
    session.destroy();
    this.emit('closed', reason);
  }

  private onPdu(pdu: smpp.Pdu): void {
    this.touch();
    if (pdu.isResponse()) return;
    const session = this.session;
    if (session === undefined) return;
    const reply = (commandStatus = 0) => {
      if (this.session !== session) return;
      this.batchWrites(session);
      // The answer to every receipt is encoded here (protocol/encode.ts); the package builds the rest.
      const deliver = pdu.command === 'deliver_sm' || pdu.command === 'data_sm';
      session.send(deliver ? responsePdu(pdu, commandStatus) : pdu.response({ command_status: commandStatus }));
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
        // An unknown command id gets generic_nack (the package builds it), any other request
        // an ESME has no business receiving is refused the same way.
        return reply(ESME_RINVCMDID);
    }
  }

  /** Traffic seen: the next enquire_link is due one idle period from now. */
  private touch(): void {
    if (this.session === undefined) return;
    this.lastTraffic = performance.now();
    this.idleTimer ??= setTimeout(() => this.idle(), this.options.enquireLinkMs);
  }

  private idle(): void {
    this.idleTimer = undefined;
    if (this.session === undefined) return;
    const quietFor = performance.now() - this.lastTraffic;
    if (quietFor < this.options.enquireLinkMs) {
      this.idleTimer = setTimeout(() => this.idle(), this.options.enquireLinkMs - quietFor);
      return;
    }
    if (!this.bound) return;
    this.request('enquire_link', {}).catch((err: SmsGateError) =>
      this.end(new SmsGateError('TRANSPORT_UNAVAILABLE', `enquire_link unanswered: ${err.message}`)),
    );
  }
}

function toLinkError(err: Error, host: string, port: number): SmsGateError {
  const code = (err as NodeJS.ErrnoException).code;
  const what = code === 'ECONNREFUSED' ? 'refused the connection' : code ?? err.message;
  return new SmsGateError('TRANSPORT_UNAVAILABLE', `SMSC ${host}:${port}: ${what}`, { cause: err });
}
