/**
 * What lives on the SIM and so survives the modem's power cycles (unplug/replug): the PIN and PUK
 * with their retry counters, the message storages, and the last TP-MR (EF_SMSS keeps it on real
 * SIMs, so references carry on across a reset instead of restarting at 0), and the SMSC address
 * of AT+CSCA (EF_SMSP).
 */

/** TS 27.007 +CPIN states, plus a SIM whose PUK tries ran out. */
export type PinState = 'READY' | 'SIM PIN' | 'SIM PUK' | 'BLOCKED';

export const PIN_TRIES = 3;
export const PUK_TRIES = 10;

/** TS 27.005 <stat>: index is the PDU-mode number. */
export const MESSAGE_STATUS = ['REC UNREAD', 'REC READ', 'STO UNSENT', 'STO SENT'] as const;
export type MessageStatus = (typeof MESSAGE_STATUS)[number];

export type StorageName = 'SM' | 'SR';

/** An SMS-DELIVER as the modem received it: the PDU, and what text mode shows of it. */
export interface DeliverRecord {
  kind: 'deliver';
  pdu: string;
  tpduLength: number;
  originator: string;
  serviceCentreTime: number;
  dataCoding: number;
  text: string;
}

export interface StatusReportRecord {
  kind: 'status-report';
  pdu: string;
  tpduLength: number;
  reference: number;
  recipient: string;
  serviceCentreTime: number;
  dischargeTime: number;
  status: number;
}

export type MessageRecord = DeliverRecord | StatusReportRecord;

export interface StoredMessage {
  index: number;
  status: MessageStatus;
  record: MessageRecord;
}

/** One storage; indexes count from 1 as on SIMCom and Quectel modules. */
export class MessageStorage {
  private readonly slots = new Map<number, StoredMessage>();

  constructor(readonly size: number) {}

  /** The index used, or null when the storage is full. */
  store(record: MessageRecord): number | null {
    for (let index = 1; index <= this.size; index++) {
      if (!this.slots.has(index)) {
        this.slots.set(index, { index, status: 'REC UNREAD', record });
        return index;
      }
    }
    return null;
  }

  inRange(index: number): boolean {
    return index >= 1 && index <= this.size;
  }

  get(index: number): StoredMessage | undefined {
    return this.slots.get(index);
  }

  delete(index: number): void {
    this.slots.delete(index);
  }

  list(): StoredMessage[] {
    return [...this.slots.values()].sort((a, b) => a.index - b.index);
  }

  get used(): number {
    return this.slots.size;
  }
}

export class SimCard {
  pinState: PinState;
  pinTriesLeft = PIN_TRIES;
  pukTriesLeft = PUK_TRIES;
  /** Every AT+CPIN="<pin>" the SIM checked, right or wrong, since it was made (a test's count). */
  pinAttempts = 0;
  readonly storages: Record<StorageName, MessageStorage>;
  private nextReference: number;

  constructor(
    private pin: string | null,
    private readonly puk: string,
    public smsc: string,
    storageSize: number,
    firstReference: number,
  ) {
    this.pinState = pin === null ? 'READY' : 'SIM PIN';
    this.storages = { SM: new MessageStorage(storageSize), SR: new MessageStorage(storageSize) };
    this.nextReference = firstReference;
  }

  /** A power cycle asks for the PIN again; a SIM waiting for its PUK keeps waiting. */
  powerCycle(): void {
    if (this.pinState === 'READY' && this.pin !== null) this.pinState = 'SIM PIN';
  }

  /** AT+CPIN="<pin>" in state SIM PIN. */
  enterPin(pin: string): boolean {
    this.pinAttempts++;
    if (pin === this.pin) {
      this.pinState = 'READY';
      this.pinTriesLeft = PIN_TRIES;
      return true;
    }
    if (--this.pinTriesLeft === 0) this.pinState = 'SIM PUK';
    return false;
  }

  /** AT+CPIN="<puk>","<newpin>" in state SIM PUK. */
  enterPuk(puk: string, newPin: string): boolean {
    if (puk === this.puk) {
      this.pin = newPin;
      this.pinState = 'READY';
      this.pinTriesLeft = PIN_TRIES;
      this.pukTriesLeft = PUK_TRIES;
      return true;
    }
    if (--this.pukTriesLeft === 0) this.pinState = 'BLOCKED';
    return false;
  }

  /** TP-MR for the next submit: an 8-bit counter that wraps. */
  takeReference(): number {
    const reference = this.nextReference;
    this.nextReference = (reference + 1) & 0xff;
    return reference;
  }
}
