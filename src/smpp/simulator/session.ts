/**
 * One ESME connection: framing, the bind state machine of SMPP 3.4 §2.2, and the PDUs any SMSC
 * answers the same way (enquire_link, unbind, unknown commands). What an SMSC decides (who may
 * bind, what happens to a submit_sm, which deliver_sm are owed) is left to the SessionHost.
 *
 * Whatever a client sends, nothing escapes as an exception: a byte stream that cannot be framed
 * is reported and the connection closed; a PDU whose body cannot be read is answered with
 * ESME_RINVCMDLEN.
 */
import type { Socket } from 'node:net';
import {
  BodyWriter,
  decodeBind,
  encodeDeliverSm,
  encodePdu,
  int8Tlv,
  PduFramer,
  type BindRequest,
  type DeliverSm,
  type Pdu,
} from './pdu';
import { BIND_MODES, COMMAND, INTERFACE_VERSION, isResponse, responseIdOf, STATUS, TLV, type BindMode } from './protocol';

/** The system_id the simulator gives in bind responses. */
export const SMSC_SYSTEM_ID = 'smsgate-sim';

/** How long stop() waits for an unbind_resp before closing anyway. */
const UNBIND_TIMEOUT_MS = 1000;

const MAX_SEQUENCE = 0x7fffffff;

export interface SessionHost {
  /** The command_status to answer a bind with (0 accepts it). */
  authorizeBind(session: SmppSession, mode: BindMode, request: BindRequest): number;
  bound(session: SmppSession): void;
  /** A submit_sm on a session allowed to submit; the host answers it with session.respond(). */
  submit(session: SmppSession, pdu: Pdu): void;
  /** True while the SMSC answers binds only (faults.silent). */
  silent(): boolean;
  /** A deliver_sm_resp, or a generic_nack, answering a deliver_sm. */
  deliverAnswered(session: SmppSession, sequenceNumber: number, commandStatus: number): void;
  unbound(session: SmppSession): void;
  closed(session: SmppSession): void;
  failed(session: SmppSession, error: Error): void;
}

export class SmppSession {
  /** Set once a bind succeeds. */
  mode: BindMode | undefined;
  systemId = '';
  /** From the bind; below 0x34 the client speaks SMPP 3.3, which has no TLVs. */
  interfaceVersion = 0;
  private readonly framer = new PduFramer();
  private lastSequence = 0;
  private unbindAnswered: (() => void) | undefined;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly host: SessionHost,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => host.failed(this, error));
    socket.on('close', () => {
      this.unbindAnswered?.();
      host.closed(this);
    });
  }

  get canSubmit(): boolean {
    return this.mode === 'transmitter' || this.mode === 'transceiver';
  }

  get canReceive(): boolean {
    return this.mode === 'receiver' || this.mode === 'transceiver';
  }

  /** Answers `request` with its response PDU (header only when the status is an error). */
  respond(request: Pdu, commandStatus: number, body?: Buffer): void {
    const responseId = responseIdOf(request.commandId);
    this.write(encodePdu(responseId, commandStatus, request.sequenceNumber, commandStatus === 0 ? body : undefined));
  }

  sendDeliverSm(deliver: DeliverSm): number | undefined {
    if (!this.socket.writable) return undefined;
    const sequenceNumber = this.nextSequence();
    const tlvs = this.interfaceVersion >= INTERFACE_VERSION ? deliver.tlvs : [];
    this.write(encodePdu(COMMAND.deliver_sm, 0, sequenceNumber, encodeDeliverSm({ ...deliver, tlvs })));
    return sequenceNumber;
  }

  /** Cuts the connection at once, whatever is still unanswered (the dropAfterSubmits fault). */
  drop(): void {
    this.socket.destroy();
  }

  /** Writes octets as they are (malformed PDUs); `thenClose` ends the connection after them. */
  writeRaw(bytes: Buffer, thenClose: boolean): void {
    if (thenClose) this.socket.end(bytes);
    else this.write(bytes);
  }

  nextSequence(): number {
    this.lastSequence = this.lastSequence === MAX_SEQUENCE ? 1 : this.lastSequence + 1;
    return this.lastSequence;
  }

  /** An orderly goodbye: unbind, wait for unbind_resp (or a timeout), close. */
  async unbind(): Promise<void> {
    if (this.socket.destroyed) return;
    if (this.mode !== undefined && this.socket.writable) {
      const answered = new Promise<void>((resolve) => (this.unbindAnswered = resolve));
      this.write(encodePdu(COMMAND.unbind, 0, this.nextSequence()));
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, UNBIND_TIMEOUT_MS).unref());
      await Promise.race([answered, timeout]);
    }
    this.socket.destroy();
  }

  private write(bytes: Buffer): void {
    if (this.socket.writable) this.socket.write(bytes);
  }

  private receive(chunk: Buffer): void {
    try {
      for (const pdu of this.framer.push(chunk)) {
        if (this.socket.destroyed) return;
        this.handle(pdu);
      }
    } catch (error) {
      // Framing is lost: nothing after this point can be trusted to start on a PDU boundary.
      this.host.failed(this, error as Error);
      this.socket.destroy();
    }
  }

  private handle(pdu: Pdu): void {
    if (isResponse(pdu.commandId)) {
      this.handleResponse(pdu);
      return;
    }
    const mode = BIND_MODES[pdu.commandId];
    if (mode !== undefined) {
      this.handleBind(pdu, mode);
      return;
    }
    if (this.host.silent() && pdu.commandId !== COMMAND.submit_sm) return;
    switch (pdu.commandId) {
      case COMMAND.submit_sm:
        if (this.canSubmit) this.host.submit(this, pdu);
        else this.respond(pdu, STATUS.ESME_RINVBNDSTS);
        return;
      case COMMAND.enquire_link:
        this.respond(pdu, STATUS.ESME_ROK);
        return;
      case COMMAND.unbind:
        this.respond(pdu, STATUS.ESME_ROK);
        this.host.unbound(this);
        this.mode = undefined;
        this.socket.end();
        return;
      default:
        // Commands the simulator does not implement, and ids no SMPP version defines.
        this.write(encodePdu(COMMAND.generic_nack, STATUS.ESME_RINVCMDID, pdu.sequenceNumber));
    }
  }

  private handleResponse(pdu: Pdu): void {
    switch (pdu.commandId) {
      case COMMAND.deliver_sm_resp:
      case COMMAND.generic_nack:
        this.host.deliverAnswered(this, pdu.sequenceNumber, pdu.commandStatus);
        return;
      case COMMAND.unbind_resp:
        this.unbindAnswered?.();
        return;
    }
    // enquire_link_resp and the like need no action: the simulator sends no enquire_link.
  }

  private handleBind(pdu: Pdu, mode: BindMode): void {
    if (this.mode !== undefined) {
      this.respond(pdu, STATUS.ESME_RALYBND);
      return;
    }
    let request: BindRequest;
    try {
      request = decodeBind(pdu.body, `bind_${mode}`);
    } catch (error) {
      this.host.failed(this, error as Error);
      this.respond(pdu, STATUS.ESME_RINVCMDLEN);
      return;
    }
    const status = this.host.authorizeBind(this, mode, request);
    if (status !== STATUS.ESME_ROK) {
      this.respond(pdu, status);
      return;
    }
    this.mode = mode;
    this.systemId = request.systemId;
    this.interfaceVersion = request.interfaceVersion;
    const body = new BodyWriter().cstring(SMSC_SYSTEM_ID);
    // §5.3.2.25: an SMSC tells a 3.4 client its version; a 3.3 client would not understand TLVs.
    if (request.interfaceVersion >= INTERFACE_VERSION) body.tlv(int8Tlv(TLV.sc_interface_version, INTERFACE_VERSION));
    this.respond(pdu, STATUS.ESME_ROK, body.toBuffer());
    this.host.bound(this);
  }
}
