/**
 * The deliver_sm the simulator owes its clients (receipts and MO messages), until each is
 * acknowledged. Like a real SMSC it holds them while no suitable session is bound and delivers
 * them when one binds; a deliver_sm left without deliver_sm_resp for `retryMs` (or whose session
 * closes first) is sent again, to whichever suitable session is bound then. A deliver_sm_resp
 * settles it, whatever its command_status, except the ones that ask for another try
 * (ESME_RX_T_APPN, ESME_RMSGQFUL, ESME_RTHROTTLED): then it is sent again after `retryMs`, as an
 * SMSC does for an ESME that could not store it yet.
 */
import type { DeliverSm } from './pdu';

/** ESME_RMSGQFUL, ESME_RTHROTTLED, ESME_RX_T_APPN (SMPP 3.4 §5.1.3). */
const TRY_AGAIN = new Set([0x14, 0x58, 0x64]);

export interface Delivery {
  kind: 'receipt' | 'mo';
  deliver: DeliverSm;
  /** Only sessions bound with this system_id may receive it; undefined: any receiving session. */
  systemId?: string;
  /** Tried first when it can receive: receipts go back on the session that submitted. */
  preferredSessionId?: number;
  /** For receipts: the message id the receipt reports. */
  messageId?: string;
  /** Times it has been sent so far. */
  attempts: number;
  onAcknowledged?: (commandStatus: number) => void;
  /** The simulator stopped before the delivery was acknowledged. */
  onAbandoned?: () => void;
}

/** A bound receiver or transceiver session, as the queue sees it. */
export interface Receiver {
  id: number;
  systemId: string;
  /** Writes the deliver_sm and returns its sequence_number, or undefined when the connection is gone. */
  sendDeliverSm(deliver: DeliverSm): number | undefined;
}

export interface DeliveryEvents {
  sent(delivery: Delivery, sessionId: number, sequenceNumber: number): void;
  acknowledged(delivery: Delivery, sessionId: number, commandStatus: number): void;
}

interface Unacknowledged {
  delivery: Delivery;
  sessionId: number;
  timer: NodeJS.Timeout;
}

export class DeliveryQueue {
  private readonly waiting: Delivery[] = [];
  /** Sent, keyed by `${sessionId}:${sequenceNumber}`. */
  private readonly unacknowledged = new Map<string, Unacknowledged>();
  /** Refused for now by their ESME, waiting to be sent again. */
  private readonly retrying = new Map<NodeJS.Timeout, Delivery>();
  private dispatching = false;
  private dispatchAgain = false;

  constructor(
    private readonly receivers: () => Receiver[],
    private readonly retryMs: number,
    private readonly events: DeliveryEvents,
  ) {}

  enqueue(delivery: Delivery): void {
    this.waiting.push(delivery);
    this.dispatch();
  }

  /**
   * Sends what is waiting to the sessions that can take it; call when a receiver binds.
   *
   * A send runs listeners (the `sent` event) that may enqueue more, bind or end a session, and so
   * call back in here. Such a call does not send anything itself, which would send again what this
   * pass is sending and throw its place in the list off: it asks for one more pass instead. During
   * a pass the list only grows at its end (or is emptied by close()).
   */
  dispatch(): void {
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        const receivers = this.receivers();
        for (let i = 0; i < this.waiting.length; ) {
          const delivery = this.waiting[i]!;
          if (!this.trySend(delivery, receivers)) i++;
          else if (this.waiting[i] === delivery) this.waiting.splice(i, 1);
        }
      } while (this.dispatchAgain);
    } finally {
      this.dispatching = false;
    }
  }

  /** A deliver_sm_resp arrived; false when it answers nothing outstanding (late or unknown). */
  acknowledge(sessionId: number, sequenceNumber: number, commandStatus: number): boolean {
    const key = `${sessionId}:${sequenceNumber}`;
    const entry = this.unacknowledged.get(key);
    if (entry === undefined) return false;
    clearTimeout(entry.timer);
    this.unacknowledged.delete(key);
    this.events.acknowledged(entry.delivery, sessionId, commandStatus);
    if (TRY_AGAIN.has(commandStatus)) {
      const timer = setTimeout(() => {
        this.retrying.delete(timer);
        this.enqueue(entry.delivery);
      }, this.retryMs);
      this.retrying.set(timer, entry.delivery);
      return true;
    }
    entry.delivery.onAcknowledged?.(commandStatus);
    return true;
  }

  /** What was sent on a closed session and never acknowledged goes out again elsewhere. */
  sessionClosed(sessionId: number): void {
    for (const [key, entry] of this.unacknowledged) {
      if (entry.sessionId !== sessionId) continue;
      clearTimeout(entry.timer);
      this.unacknowledged.delete(key);
      this.waiting.push(entry.delivery);
    }
    this.dispatch();
  }

  /** Stops every timer and gives up on whatever is still owed. */
  close(): void {
    const abandoned = [
      ...this.waiting,
      ...[...this.unacknowledged.values()].map((entry) => entry.delivery),
      ...this.retrying.values(),
    ];
    for (const entry of this.unacknowledged.values()) clearTimeout(entry.timer);
    for (const timer of this.retrying.keys()) clearTimeout(timer);
    this.unacknowledged.clear();
    this.retrying.clear();
    this.waiting.length = 0;
    for (const delivery of abandoned) delivery.onAbandoned?.();
  }

  /**
   * Sends `delivery` on the first session able to take it: its preferred session, then any other
   * of its system_id. One whose connection is going away (closing, not closed yet) is passed over.
   */
  private trySend(delivery: Delivery, receivers: Receiver[]): boolean {
    const eligible = receivers.filter((r) => delivery.systemId === undefined || r.systemId === delivery.systemId);
    const preferred = eligible.filter((r) => r.id === delivery.preferredSessionId);
    for (const target of [...preferred, ...eligible.filter((r) => r.id !== delivery.preferredSessionId)]) {
      const sequenceNumber = target.sendDeliverSm(delivery.deliver);
      if (sequenceNumber === undefined) continue;
      this.sent(delivery, target, sequenceNumber);
      return true;
    }
    return false;
  }

  private sent(delivery: Delivery, target: Receiver, sequenceNumber: number): void {
    delivery.attempts++;
    const key = `${target.id}:${sequenceNumber}`;
    const timer = setTimeout(() => {
      this.unacknowledged.delete(key);
      this.enqueue(delivery);
    }, this.retryMs);
    this.unacknowledged.set(key, { delivery, sessionId: target.id, timer });
    this.events.sent(delivery, target.id, sequenceNumber);
  }
}
