/**
 * What arrives from the modem: inbound messages and status reports, read from SIM storage
 * (+CMTI, +CDSI, the sweep at start) or delivered straight (+CMT, +CDS). Each is handed to the
 * gateway first, and only once stored is it deleted (AT+CMGD) or acknowledged (AT+CNMA), so a
 * crash in between leaves it on the SIM or with the network to be delivered again.
 */
import type { TransportSink } from '../transport/types';
import { AtError, parseCmgl, parseCmgr, type AtEngine, type StoredMessage, type Urc } from './at';
import { decodeMobileTerminatedPdu, statusReportOutcome, type DeliverPdu, type StatusReportPdu } from './pdu';
import type { ReferenceBook } from './references';
import type { ModemSetup } from './setup';
import { textModeDeliver, textModeStatusReport } from './text-mode';

type Received = DeliverPdu | StatusReportPdu | ReturnType<typeof textModeDeliver> | ReturnType<typeof textModeStatusReport>;

export class Receiver {
  /** One storage read at a time: AT+CPMS switches for +CDSI must not interleave. */
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly transportId: string,
    private readonly engine: AtEngine,
    private readonly setup: ModemSetup,
    private readonly sink: TransportSink,
    private readonly references: ReferenceBook,
    /** For what goes wrong with one message, which the gateway logs; `cause` the error behind it. */
    private readonly warn: (detail: string, cause?: unknown) => void,
  ) {}

  handle(urc: Urc): void {
    switch (urc.type) {
      case 'CMTI':
      case 'CDSI':
        this.serially(() => this.readStored(urc.storage, urc.index));
        break;
      case 'CMT':
      case 'CDS':
        this.serially(() => this.receiveDirect(() => decodeMobileTerminatedPdu(urc.pdu, urc.length)));
        break;
      case 'CMT-TEXT':
        this.serially(() => this.receiveDirect(() => textModeDeliver(urc.originator, urc.serviceCentreTime, urc.text)));
        break;
      case 'CDS-TEXT':
        this.serially(() => this.receiveDirect(() => textModeStatusReport(urc)));
        break;
      default:
        break;
    }
  }

  /**
   * Everything left in storage (received while smsgate was not running), oldest first. An entry
   * that cannot be read, or that the modem will not delete, stays on the SIM, logged with its
   * index, and the sweep goes on to the next.
   */
  sweep(): Promise<void> {
    this.serially(async () => {
      const listAll = this.setup.mode === 'pdu' ? 'AT+CMGL=4' : 'AT+CMGL="ALL"';
      for (const entry of parseCmgl(await this.engine.command(listAll, { prefix: '+CMGL:' }))) {
        const where = `SIM entry ${entry.index ?? '(no index)'}`;
        if ('invalid' in entry) {
          this.warn(`${where} is not a message as AT+CMGL lists one and stays on the SIM: ${entry.invalid.message}`, entry.invalid);
          continue;
        }
        try {
          await this.keep(entry.index, entry);
        } catch (err) {
          // The modem refused (AT+CMGD of this slot): the next slot may still go. No answer, or no port: stop here.
          if (!(err instanceof AtError) || err.kind === 'TIMEOUT' || err.kind === 'CLOSED') throw err;
          this.warn(`${where} stays on the SIM: ${err.message}`, err);
        }
      }
    });
    return this.idle();
  }

  /** Resolves once every read started so far has finished. */
  idle(): Promise<void> {
    return this.reading;
  }

  private serially(read: () => Promise<void>): void {
    this.reading = this.reading.then(read).catch((err: Error) => this.warn(`reading a message failed: ${err.message}`, err));
  }

  private async readStored(storage: string, index: number): Promise<void> {
    const elsewhere = storage !== this.setup.storage;
    if (elsewhere) await this.engine.command(`AT+CPMS="${storage}"`, { prefix: '+CPMS:' });
    try {
      const entry = parseCmgr(await this.engine.command(`AT+CMGR=${index}`, { prefix: '+CMGR:' }));
      if (entry !== null) await this.keep(index, entry, `${storage} entry ${index}`);
    } finally {
      if (elsewhere) await this.engine.command(`AT+CPMS="${this.setup.storage}"`, { prefix: '+CPMS:' });
    }
  }

  /** Stores what slot `index` holds, then frees the slot. */
  private async keep(index: number, entry: StoredMessage, where = `SIM entry ${index}`): Promise<void> {
    const stored = await this.store(
      () =>
        entry.mode === 'pdu'
          ? decodeMobileTerminatedPdu(entry.pdu, entry.length)
          : textModeDeliver(entry.originator, entry.serviceCentreTime, entry.text),
      where,
    );
    // An unreadable message stays on the SIM: deleting it would lose it for good.
    if (stored) await this.engine.command(`AT+CMGD=${index}`);
  }

  private async receiveDirect(read: () => Received): Promise<void> {
    const stored = await this.store(read, 'a message the modem handed over (+CMT/+CDS)');
    if (stored && this.setup.acknowledge) await this.engine.command('AT+CNMA');
  }

  /** False when the message cannot be read; errors while storing propagate (nothing is deleted). */
  private async store(read: () => Received, where: string): Promise<boolean> {
    let message: Received;
    try {
      message = read();
    } catch (err) {
      this.warn(`${where} is unreadable and was left with the modem: ${(err as Error).message}`, err);
      return false;
    }
    if (message.type === 'status-report') {
      await this.report(message);
    } else {
      await this.inbound(message);
    }
    return true;
  }

  private async report(report: Exclude<Received, { type: 'deliver' }>): Promise<void> {
    const outcome = statusReportOutcome(report.status);
    if (!outcome.final) return; // the SMSC is still trying; a final report follows
    const paired = this.references.pair(report.messageReference, report.recipient.value, report.serviceCentreTime);
    await this.sink.report({
      transportId: this.transportId,
      ...paired,
      // TP-RA: the recipient of the message reported on ('+' and digits when international).
      ...(report.recipient.type === 'alphanumeric' ? {} : { address: report.recipient.value }),
      state: outcome.state,
      errorCode: report.status.toString(16).padStart(2, '0'),
      doneAt: report.dischargeTime,
    });
  }

  private async inbound(message: Extract<Received, { type: 'deliver' }>): Promise<void> {
    const common = {
      transportId: this.transportId,
      from: message.originator.value,
      to: this.setup.ownNumber,
      text: message.text,
      receivedAt: message.serviceCentreTime,
    };
    const concat = 'header' in message ? message.header?.concat : undefined;
    if (concat === undefined) {
      await this.sink.inbound(common);
    } else {
      await this.sink.inboundPart({ ...common, reference: concat.reference, total: concat.total, sequence: concat.sequence });
    }
  }
}
