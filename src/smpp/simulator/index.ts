/**
 * The built-in SMSC simulator: an SMPP 3.4 server to develop and test against without a carrier.
 * It binds ESMEs (checking system_id and password when configured), accepts submit_sm with unique
 * message ids, sends delivery receipts and injected MO messages, throttles, and misbehaves on
 * request (faults.ts) so every error path of a transport can be exercised.
 *
 * Receipts go back to the submitting session when it can receive (a transceiver), else to a
 * receiver bound with the same system_id, and wait for one when none is bound, as real SMSCs
 * queue them (deliveries.ts); with `receiptsTo: 'any'` to a receiving session of that system_id
 * picked at random. The rate limit is per system_id (throttle.ts).
 *
 *   const sim = new SmscSimulator({ port: 0, systemId: 'test', password: 'secret' });
 *   const { port } = await sim.start();
 *   ...
 *   await sim.stop();
 */
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createServer as createTlsServer } from 'node:tls';
import { SmsGateError } from '../../errors';
import { DeliveryQueue, type Delivery } from './deliveries';
import { malformedPdu, MALFORMED_KINDS, type Faults, type MalformedKind } from './faults';
import { formatMessageId, nextMessageId } from './message-ids';
import { moParts, type MoMessage } from './mo';
import { initialFaults, mergeFaults, resolveOptions, type ResolvedOptions, type SmscSimulatorOptions } from './options';
import { BodyWriter, decodeShortMessage, type BindRequest, type Pdu, type ShortMessagePdu } from './pdu';
import { STATUS, type BindMode } from './protocol';
import { buildReceipt, RECEIPT_STATUSES, wantsReceipt, type ReceiptStatus } from './receipts';
import { SmppSession, type SessionHost } from './session';
import { describeUserData, type ReceivedSubmit } from './submits';
import { SubmitThrottle } from './throttle';

export type { BlankMessageId, Faults, MalformedKind, SegmentFault } from './faults';
export type { MessageIdFormat } from './message-ids';
export type { MoConcat, MoMessage } from './mo';
export type { SimulatorTlsOptions, SmscSimulatorOptions } from './options';
export type { Address, Tlv } from './pdu';
export type { BindMode } from './protocol';
export type { ReceiptStatus } from './receipts';
export type { Concatenation, ReceivedSubmit } from './submits';
export { RECEIPT_STATUSES } from './receipts';

export interface SimulatorEvents {
  connect: [{ sessionId: number; remoteAddress: string | undefined }];
  bind: [{ sessionId: number; systemId: string; mode: BindMode }];
  'bind-rejected': [{ sessionId: number; systemId: string; mode: BindMode; commandStatus: number }];
  submit: [ReceivedSubmit];
  /** A deliver_sm (receipt or MO) written; `attempt` counts from 1. */
  deliver: [{ sessionId: number; kind: Delivery['kind']; messageId?: string; sequenceNumber: number; attempt: number }];
  'deliver-resp': [{ sessionId: number; kind: Delivery['kind']; messageId?: string; commandStatus: number }];
  unbind: [{ sessionId: number; systemId: string }];
  close: [{ sessionId: number }];
  /** A client misbehaved or its connection failed; the simulator carries on. */
  'session-error': [{ sessionId: number; error: Error }];
  /** The listener itself failed after start() (e.g. out of file descriptors). */
  'server-error': [Error];
}

export class SmscSimulator extends EventEmitter<SimulatorEvents> {
  /** Every submit_sm received, in arrival order, whatever it was answered. */
  readonly submits: ReceivedSubmit[] = [];
  private readonly options: ResolvedOptions;
  private faults: Faults;
  private readonly throttle: SubmitThrottle;
  private readonly deliveries: DeliveryQueue;
  private readonly sessionsById = new Map<number, SmppSession>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Every TCP connection, including TLS ones still handshaking (not sessions yet). */
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private lastSessionId = 0;
  private nextMessageId: number;

  constructor(options: SmscSimulatorOptions = {}) {
    super();
    this.options = resolveOptions(options);
    this.faults = initialFaults(options.faults);
    this.nextMessageId = this.options.firstMessageId;
    this.throttle = new SubmitThrottle(this.options.throttlePerSecond);
    this.deliveries = new DeliveryQueue(
      () => (this.faults.silent || this.faults.holdDeliveries ? [] : [...this.sessionsById.values()].filter((session) => session.canReceive)),
      this.options.deliverRetryMs,
      {
        sent: ({ kind, messageId, attempts }, sessionId, sequenceNumber) =>
          this.emit('deliver', { sessionId, kind, messageId, sequenceNumber, attempt: attempts }),
        acknowledged: (delivery, sessionId, commandStatus) =>
          this.emit('deliver-resp', { sessionId, kind: delivery.kind, messageId: delivery.messageId, commandStatus }),
      },
    );
  }

  /** Starts listening; resolves with the address actually bound (the port when 0 was asked). */
  async start(): Promise<{ host: string; port: number }> {
    if (this.server !== undefined) return this.address(this.server);
    const { tls, host, port } = this.options;
    const accept = (socket: Socket) => this.acceptConnection(socket);
    const server = tls === undefined ? createTcpServer(accept) : createTlsServer(tls, accept);
    server.on('connection', (socket: Socket) => {
      // Each response goes out at once: Nagle's algorithm would hold it for the client's ACK.
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => {
        const message = `the simulator cannot listen on ${host}:${port}: ${error.message}`;
        reject(new SmsGateError('TRANSPORT_UNAVAILABLE', message, { cause: error }));
      });
      server.listen(port, host, () => resolve());
    });
    server.removeAllListeners('error');
    server.on('error', (error) => this.emit('server-error', error));
    this.server = server;
    return this.address(server);
  }

  /** Unbinds every bound session (waiting briefly for unbind_resp), closes the rest and the listener. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.deliveries.close();
    await Promise.all([...this.sessionsById.values()].map((session) => session.unbind()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Sessions bound now. */
  sessions(): number {
    return [...this.sessionsById.values()].filter((session) => session.mode !== undefined).length;
  }

  setFaults(change: Partial<Faults>): void {
    const held = (faults: Faults) => faults.silent || faults.holdDeliveries;
    const wasHeld = held(this.faults);
    this.faults = mergeFaults(this.faults, change);
    // Receipts and MO messages held while silent or holding go out now.
    if (wasHeld && !held(this.faults)) this.deliveries.dispatch();
  }

  /**
   * Sends an MO message as deliver_sm to a bound receiver or transceiver (held until one binds).
   * Resolves once every part sent has a deliver_sm_resp; rejects if the simulator stops first.
   */
  async injectMo(mo: MoMessage): Promise<void> {
    if (this.server === undefined) throw new SmsGateError('TRANSPORT_UNAVAILABLE', 'the simulator is not running');
    const parts = moParts(mo);
    await new Promise<void>((resolve, reject) => {
      let unacknowledged = parts.length;
      if (unacknowledged === 0) resolve();
      for (const { deliver } of parts) {
        this.deliveries.enqueue({
          kind: 'mo',
          deliver,
          systemId: mo.systemId,
          attempts: 0,
          onAcknowledged: () => {
            if (--unacknowledged === 0) resolve();
          },
          onAbandoned: () =>
            reject(new SmsGateError('TRANSPORT_UNAVAILABLE', 'the simulator stopped before the MO message was delivered')),
        });
      }
    });
  }

  /** Writes one malformed PDU to every connected session, or to `sessionId` only. */
  sendMalformed(kind: MalformedKind, sessionId?: number): void {
    if (!MALFORMED_KINDS.includes(kind)) {
      throw new SmsGateError('OPTION_INVALID', `kind must be one of ${MALFORMED_KINDS.join(', ')}, got ${String(kind)}`, {
        field: 'kind',
      });
    }
    for (const session of this.sessionsById.values()) {
      if (sessionId !== undefined && session.id !== sessionId) continue;
      const { bytes, thenClose } = malformedPdu(kind, session.nextSequence());
      session.writeRaw(bytes, thenClose);
    }
  }

  private address(server: Server): { host: string; port: number } {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('bug: the TCP listener has no IP address');
    return { host: address.address, port: address.port };
  }

  private acceptConnection(socket: Socket): void {
    const id = ++this.lastSessionId;
    this.sessionsById.set(id, new SmppSession(id, socket, this.host));
    this.emit('connect', { sessionId: id, remoteAddress: socket.remoteAddress });
  }

  /** The simulator's side of each session, kept off the public API. */
  private readonly host: SessionHost = {
    authorizeBind: (session, mode, request) => {
      const status = this.bindStatus(request);
      if (status !== STATUS.ESME_ROK) {
        this.emit('bind-rejected', { sessionId: session.id, systemId: request.systemId, mode, commandStatus: status });
      }
      return status;
    },
    bound: (session) => {
      this.emit('bind', { sessionId: session.id, systemId: session.systemId, mode: session.mode! });
      if (session.canReceive) this.deliveries.dispatch();
    },
    submit: (session, pdu) => this.submit(session, pdu),
    silent: () => this.faults.silent,
    deliverAnswered: (session, sequenceNumber, commandStatus) => {
      if (this.faults.loseDeliverResps > 0) {
        this.faults.loseDeliverResps--;
        return; // as if it never came: the deliver_sm's resend timer runs on
      }
      this.deliveries.acknowledge(session.id, sequenceNumber, commandStatus);
    },
    unbound: (session) => this.emit('unbind', { sessionId: session.id, systemId: session.systemId }),
    closed: (session) => {
      this.sessionsById.delete(session.id);
      this.deliveries.sessionClosed(session.id);
      this.emit('close', { sessionId: session.id });
    },
    failed: (session, error) => this.emit('session-error', { sessionId: session.id, error }),
  };

  private bindStatus(request: BindRequest): number {
    if (this.faults.rejectBinds !== null) return this.faults.rejectBinds;
    const { systemId, password } = this.options;
    if (systemId !== undefined && request.systemId !== systemId) return STATUS.ESME_RINVSYSID;
    if (password !== undefined && request.password !== password) return STATUS.ESME_RINVPASWD;
    return STATUS.ESME_ROK;
  }

  private submit(session: SmppSession, pdu: Pdu): void {
    let fields: ShortMessagePdu;
    try {
      fields = decodeShortMessage(pdu.body, 'submit_sm');
    } catch (error) {
      this.emit('session-error', { sessionId: session.id, error: error as Error });
      session.respond(pdu, STATUS.ESME_RINVCMDLEN);
      return;
    }
    const submit: ReceivedSubmit = {
      ...fields,
      ...describeUserData(fields),
      messageId: null,
      commandStatus: null,
      sessionId: session.id,
      systemId: session.systemId,
      receivedAt: new Date(),
    };
    this.submits.push(submit);

    // Faults that leave the submit unanswered, in order of precedence.
    if (this.dropDue()) {
      this.emit('submit', submit);
      session.drop();
      return;
    }
    const malformed = this.faults.malformedPdu;
    if (malformed !== null) {
      this.faults.malformedPdu = null;
      this.emit('submit', submit);
      const { bytes, thenClose } = malformedPdu(malformed, pdu.sequenceNumber);
      session.writeRaw(bytes, thenClose);
      return;
    }
    if (this.faults.withholdResponses || this.faults.silent) {
      this.emit('submit', submit);
      return;
    }

    const segmentFault = this.segmentFaultFor(submit);
    submit.commandStatus = segmentFault?.status ?? this.submitStatus(session.systemId);
    if (submit.commandStatus !== STATUS.ESME_ROK) {
      this.emit('submit', submit);
      this.after(this.faults.delayResponsesMs, () => session.respond(pdu, submit.commandStatus!));
      return;
    }
    this.acceptSubmit(session, pdu, submit, this.faults.delayResponsesMs + (segmentFault?.delayMs ?? 0));
  }

  /** Counts down faults.segment when this submit carries its part; the fault when it does. */
  private segmentFaultFor(submit: ReceivedSubmit): Faults['segment'] {
    const fault = this.faults.segment;
    if (fault === null || submit.concat?.sequence !== fault.sequence) return null;
    this.faults.segment = fault.times === 1 ? null : { ...fault, times: fault.times - 1 };
    return fault;
  }

  /** Counts down faults.dropAfterSubmits; true for the submit that fires it. */
  private dropDue(): boolean {
    const remaining = this.faults.dropAfterSubmits;
    if (remaining === null) return false;
    this.faults.dropAfterSubmits = remaining === 1 ? null : remaining - 1;
    return remaining === 1;
  }

  private submitStatus(systemId: string): number {
    if (this.faults.throttleNext > 0) {
      this.faults.throttleNext--;
      return STATUS.ESME_RTHROTTLED;
    }
    if (!this.throttle.admit(systemId, performance.now())) return STATUS.ESME_RTHROTTLED;
    return this.faults.submitStatus ?? STATUS.ESME_ROK;
  }

  /** Gives the submit its message id, answers it, and schedules its receipt if one is asked for. */
  private acceptSubmit(session: SmppSession, pdu: Pdu, submit: ReceivedSubmit, respondAfterMs: number): void {
    const idNumber = this.nextMessageId;
    this.nextMessageId = nextMessageId(idNumber, this.options.firstMessageId, this.options.messageIdWrap);
    const blank = this.faults.blankMessageIds;
    if (blank !== null) {
      submit.messageId = '';
      this.emit('submit', submit);
      const body = blank === 'empty' ? new BodyWriter().cstring('').toBuffer() : undefined;
      this.after(respondAfterMs, () => session.respond(pdu, STATUS.ESME_ROK, body));
      return;
    }
    const messageId = formatMessageId(idNumber, this.options.messageIdFormat);
    submit.messageId = messageId;
    this.emit('submit', submit);
    const respond = () => session.respond(pdu, STATUS.ESME_ROK, new BodyWriter().cstring(messageId).toBuffer());
    const status = this.receiptStatus();
    if (!wantsReceipt(submit.registeredDelivery, status)) {
      this.after(respondAfterMs, respond);
      return;
    }
    const sendReceipt = () =>
      this.deliveries.enqueue({
        kind: 'receipt',
        deliver: buildReceipt({
          receiptId: formatMessageId(idNumber, this.options.receiptIdFormat),
          status,
          submittedAt: submit.receivedAt,
          doneAt: new Date(),
          text: submit.text,
          submitSource: submit.source,
          submitDestination: submit.destination,
          withTlvs: this.options.receiptTlvs,
        }),
        systemId: session.systemId,
        preferredSessionId: this.receiptSession(session),
        messageId,
        attempts: 0,
      });
    if (this.faults.receiptBeforeResp) {
      sendReceipt();
      this.after(respondAfterMs, respond);
      return;
    }
    this.after(respondAfterMs, () => {
      respond();
      this.after(this.options.dlrDelayMs, sendReceipt);
    });
  }

  /** The session a receipt for `submitter`'s submit is offered first (receiptsTo). */
  private receiptSession(submitter: SmppSession): number {
    if (this.options.receiptsTo === 'submitter') return submitter.id;
    const receivers = [...this.sessionsById.values()].filter((s) => s.canReceive && s.systemId === submitter.systemId);
    return receivers.length === 0 ? submitter.id : receivers[randomInt(receivers.length)]!.id;
  }

  private receiptStatus(): ReceiptStatus {
    const configured = this.options.dlrStatus;
    return configured === 'random' ? RECEIPT_STATUSES[randomInt(RECEIPT_STATUSES.length)]! : configured;
  }

  /** Runs `action` after `ms`, or right away for 0 so that PDUs keep their order; stop() cancels it. */
  private after(ms: number, action: () => void): void {
    if (ms === 0) {
      action();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }
}
export { HostileSmsc, SMPP_COMMAND_IDS, type HostileAction, type HostileCounts, type HostileRequest, type HostileSmscOptions } from './hostile';
