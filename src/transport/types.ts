/**
 * The one interface between the gateway and a connection toward a carrier (SMPP, modem, ...).
 * Like Kannel's SMSC drivers: the router and the gateway know a connection only through this.
 */
import type { EncodedMessage } from '../encoding';
import type { ErrorInfo } from '../errors';
import type { MessageState, NumberInfo, SenderAddress } from '../types';

/** What the gateway hands a transport to submit: already verified, encoded and routed. */
export interface OutboundMessage {
  id: string;
  recipient: NumberInfo;
  sender: SenderAddress | null;
  encoded: EncodedMessage;
  deliveryReport: boolean;
  /** Epoch ms after which the carrier should give up (SMPP validity_period, TP-VP). */
  validUntil: number;
  priority: number;
  /** Epoch ms before which the carrier should not deliver it; null: at once. */
  scheduledAt: number | null;
  /**
   * Which segments to send (0-based, ascending), when a retry sends only those not accepted
   * yet; absent: all. The others are not sent again: every segment keeps its own header, so the
   * ones sent carry the message's concatenation reference and their place in it.
   */
  segments?: readonly number[];
}

export interface SubmitResult {
  /** One id per segment sent (each of `segments`, or all), in segment order, as the provider gave them. */
  providerIds: string[];
}

/** A segment the carrier accepted: its index in the message and the provider's id for it. */
export interface AcceptedSegment {
  segment: number;
  providerId: string;
}

/**
 * A segment's acceptance that came after its submit had been answered as failed (an SMPP
 * submit_sm_resp after its timeout): the message may still be waiting to resend it.
 */
export interface LateAcceptance extends AcceptedSegment {
  transportId: string;
  /** OutboundMessage.id */
  messageId: string;
  /**
   * True when the submit it belongs to had not been answered yet: the transport counted the
   * segment as accepted there, and this is only for the log and the counts.
   */
  inSubmit: boolean;
}

/** A delivery report for one segment, as the transport understood it. */
export interface DeliveryReport {
  transportId: string;
  providerId: string;
  /**
   * Other spellings the provider may have used for the same id at submit time (an SMSC that
   * answers in hex and reports in decimal); tried after `providerId`.
   */
  alternateIds?: string[];
  /**
   * The address the report is about: the original message's recipient as the receipt gives it
   * (an SMPP receipt's source_addr, a status report's TP-RA), with `+` when the network marked it
   * international, else as received (national, or international digits without `+`). Absent when
   * the receipt names none. The gateway matches it against the message's recipient.
   */
  address?: string;
  state: MessageState;
  /** The provider's error code (SMPP receipt `err`, TS 23.040 TP-ST), when it gave one. */
  errorCode?: string;
  /** Epoch ms the carrier says the final state was reached. */
  doneAt?: number;
}

/** A message a subscriber sent to us (MO), already reassembled when it came in parts. */
export interface InboundMessage {
  transportId: string;
  /** E.164 with `+` when the network gave an international number; else as received. */
  from: string;
  to: string;
  text: string;
  receivedAt: number;
  /** True when the reassembly timed out and some parts never arrived. */
  incomplete?: boolean;
}

/** One part of a concatenated inbound message, as the network delivered it. */
export interface InboundPart {
  transportId: string;
  from: string;
  to: string;
  /** The text this part carries. */
  text: string;
  receivedAt: number;
  reference: number;
  total: number;
  /** 1-based. */
  sequence: number;
}

export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'throttled' | 'disconnected' | 'error';

export interface LinkStatus {
  state: LinkState;
  /** A short, secret-free explanation, fit for a Node-RED status text. */
  detail?: string;
  /**
   * Why the link is down or was reset (state `error` or `reconnecting`): the failure as a typed
   * value (a refused bind carries the SMSC's command_status as providerCode), so a program need
   * not read `detail`.
   */
  error?: ErrorInfo;
  /** Epoch ms of the next connection attempt, while the link waits for it. */
  retryAt?: number;
}

/**
 * Where a transport hands what comes back. The promises resolve once the gateway has stored
 * the event, so a transport acknowledges to its peer (deliver_sm_resp, AT+CMGD) only then.
 */
export interface TransportSink {
  /**
   * Resolves, once stored, with the provider id (the report's `providerId` or one of its
   * `alternateIds`) under which a message waiting for the report took it; with nothing when none
   * did (a repeat, a report no message took). A transport that must learn how its peer writes
   * ids (SMPP's hex or decimal) learns it from this, which sees the submits of every process
   * sharing the store, not only its own.
   */
  report(report: DeliveryReport): Promise<string | void>;
  inbound(message: InboundMessage): Promise<void>;
  /**
   * A part of a concatenated inbound message. The gateway keeps it in the store and hands the
   * whole message on once every part is there (or, incomplete, after a timeout), so parts
   * survive a restart and transports need no reassembly of their own.
   */
  inboundPart(part: InboundPart): Promise<void>;
  status(status: LinkStatus): void;
  /** A segment accepted after its submit was answered as failed (see LateAcceptance). */
  lateAcceptance?(late: LateAcceptance): void;
  /**
   * Durable notes in the gateway's store (Store.readNote / writeNote), for what a transport must
   * remember across restarts and redeploys, such as a SIM PIN the SIM refused (as a salted
   * fingerprint, never the PIN). Optional: without it a transport remembers for its own life only.
   */
  notes?: TransportNotes;
  /**
   * The submit rate of a carrier account, shared by every process on the gateway's store
   * (Store.takeSubmitSlot / pauseSubmits), for a transport held to a rate. Optional: without it
   * a transport paces itself alone.
   */
  submitSlots?: SubmitSlots;
  /**
   * Something a peer did wrong that the transport survived (a malformed PDU, a response without
   * a message id, an unreadable message left on a SIM): for the host's log. Secret-free.
   */
  warning?(error: Error): void;
}

export interface TransportNotes {
  read(key: string): Promise<string | undefined>;
  /** null removes the note. */
  write(key: string, value: string | null): Promise<void>;
}

/** See Store.takeSubmitSlot and Store.pauseSubmits; `account` never carries a secret. */
export interface SubmitSlots {
  /** 0 when a slot was taken at `now`; else the ms to wait before asking again. */
  take(account: string, perSecond: number, now: number): Promise<number>;
  /** Every process's submits on `account` wait until `until`. */
  pause(account: string, until: number, now: number): Promise<void>;
}

export interface Transport {
  readonly id: string;
  readonly type: string;
  /**
   * True when the protocol can hand the carrier a delivery time (SMPP schedule_delivery_time);
   * the gateway holds scheduled messages in its outbox for transports that cannot.
   */
  readonly schedules?: boolean;
  /** How many submits it can usefully have in flight (an SMPP window); the gateway sizes its own by it. */
  readonly capacity?: number;
  /**
   * Submits it starts per second at most (an SMPP link's maxPerSecond), when it is held to a
   * rate; the gateway claims no more than it can start within a lease.
   */
  readonly maxPerSecond?: number;
  start(sink: TransportSink): Promise<void>;
  /** Resolves when the link is closed; submits in flight settle before. */
  stop(): Promise<void>;
  /**
   * Rejects with SmsGateError TRANSPORT_TEMPORARY (worth retrying), TRANSPORT_PERMANENT (the
   * carrier refused this message) or TRANSPORT_UNAVAILABLE (the link is down). When some segments
   * were accepted and others not, it settles only once every segment sent has, and rejects with
   * a PartialSubmitError (partial-submit.ts) that names the accepted ones, so that a retry sends
   * only the rest.
   */
  submit(message: OutboundMessage): Promise<SubmitResult>;
}
