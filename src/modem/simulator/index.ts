/**
 * The GSM modem simulator: a modem on a real pseudo-terminal, for developing and testing the
 * modem transport without hardware. The client opens `path` like a USB modem's tty and speaks AT
 * to it; the simulator answers in the TS 27.007 / 27.005 dialect (device.ts), takes SMS-SUBMITs
 * in PDU and text mode, sends status reports and inbound messages, and misbehaves on request.
 *
 *   const sim = new ModemSimulator({ pin: '1234' });
 *   const { path } = await sim.start();
 *   ... new SerialPort({ path, baudRate: 115200 }) ...
 *   await sim.stop();
 *
 * The pty comes from @lydell/node-pty, or socat where that is not installed (pty.ts). An unplug
 * closes the pty: the link disappears and a client's port closes as a USB modem's does. The modem then loses power: after
 * replug it echoes again, asks for the PIN again and has forgotten AT+CMGF/+CNMI/+CMEE, while the
 * SIM keeps its messages, PIN tries and message reference counter. What the network sends while
 * it is unplugged waits and is routed after the client's next AT+CNMI.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmsGateError } from '../../errors';
import { ModemDevice, type StatusReportEvent } from './device';
import { deliverRecords, type InboundMessage, type ReceivedSubmit } from './messages';
import { resolveOptions, type ModemSimulatorOptions, type ResolvedOptions } from './options';
import { openPty, type Pty, type PtyProvider } from './pty';
import { SimCard } from './sim-card';

export type { StatusReportEvent } from './device';
export { IDENTITY } from './device';
export type { InboundMessage, ReceivedSubmit } from './messages';
export type { ModemSimulatorOptions } from './options';

export interface ModemSimulatorEvents {
  /** Each command line the modem received ('AT+CMGF=0'), also while silenced. */
  command: [string];
  submit: [ReceivedSubmit];
  'status-report': [StatusReportEvent];
  /** The pty ended on its own (not through stop() or unplug()): the port is gone until replug(). */
  'pty-lost': [SmsGateError];
}

export interface ModemFaults {
  /** The next `count` command lines matching `pattern` answer `reply` ('ERROR', '+CMS ERROR: 38', '+CME ERROR: 10'); AT+CMGS answers it after the Ctrl-Z. */
  failNext(pattern: RegExp, reply: string, count?: number): void;
  /**
   * Stop answering anything, as a hung modem does: no echo, no responses, unsolicited codes held
   * back. ATZ does not help; resume() or a power cycle (unplug + replug) does.
   */
  silence(): void;
  /** Answers again and sends the unsolicited codes held back; the commands sent while silent stay unanswered. */
  resume(): void;
  /** Writes a garbage line now. */
  garbage(text?: string): void;
  /**
   * Puts an entry on the SIM ("SM") whose PDU is `pdu` as given, hex or not, as a SIM written by
   * a broken phone holds; AT+CMGL and AT+CMGR list it in PDU mode like any other. Returns its index.
   */
  storeBadEntry(pdu: string, tpduLength?: number): number;
  /** The next response to a command line matching `pattern` gets `urc` between its information lines and its final result. */
  urcInResponse(pattern: RegExp, urc: string): void;
  /** The port vanishes (pty closed, link removed), as a USB unplug. */
  unplug(): Promise<void>;
  /** The modem comes back at the same link path, powered up afresh. */
  replug(): Promise<void>;
}

/** Line noise as a flaky USB-serial adapter produces it: control characters, bytes that are not UTF-8, no AT. */
const CRLF = Buffer.from('\r\n');
const DEFAULT_GARBAGE = Buffer.from([0x00, 0xff, 0xfe, 0x23, 0x7e, 0x3f, 0x07, 0xa3, 0x80, 0x1f, 0x67, 0x61, 0x72, 0x62]);

export class ModemSimulator extends EventEmitter<ModemSimulatorEvents> {
  /** Submits accepted so far (each got a +CMGS reference), decoded. */
  readonly submits: ReceivedSubmit[] = [];
  readonly faults: ModemFaults;
  private readonly options: ResolvedOptions;
  private readonly device: ModemDevice;
  private pty: Pty | undefined;
  private link: string | undefined;
  /** The directory made for the default link, removed by stop(). */
  private ownDirectory: string | undefined;
  private running = false;
  private concatReference = 0;

  constructor(options: ModemSimulatorOptions = {}) {
    super();
    this.options = resolveOptions(options);
    const { pin, puk, smsc, storageSize, firstMessageReference } = this.options;
    const sim = new SimCard(pin, puk, smsc, storageSize, firstMessageReference);
    this.device = new ModemDevice(this.options, sim, {
      write: (data) => this.pty?.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data),
      command: (line) => this.emit('command', line),
      submit: (submit) => {
        this.submits.push(submit);
        this.emit('submit', submit);
      },
      statusReport: (event) => this.emit('status-report', event),
    });
    this.faults = this.createFaults();
  }

  /** Opens the pty and resolves with the link path once it exists. */
  async start(): Promise<{ path: string }> {
    if (this.running) return { path: this.link! };
    if (this.options.link === undefined) {
      this.ownDirectory = await mkdtemp(join(tmpdir(), 'smsgate-modem-'));
      this.link = join(this.ownDirectory, 'ttyGSM0');
    } else {
      this.link = this.options.link;
    }
    try {
      await this.plugIn();
    } catch (error) {
      await this.removeOwnDirectory();
      throw error;
    }
    this.running = true;
    return { path: this.link };
  }

  /** Closes the pty and removes the link (and the directory made for a default link); no timers stay. */
  async stop(): Promise<void> {
    this.running = false;
    this.device.dispose();
    await this.unplugPty();
    await this.removeOwnDirectory();
  }

  /** Where the pseudo-terminal came from, while plugged in. */
  get ptyProvider(): PtyProvider | undefined {
    return this.pty?.provider;
  }

  /** The link path while running. */
  get path(): string | undefined {
    return this.running ? this.link : undefined;
  }

  /**
   * An inbound SMS from the network: stored in SIM memory with '+CMTI: "SM",<i>', or sent
   * directly as '+CMT:', as the modem's AT+CNMI asks. Several parts (UDH concatenation) when the
   * text needs them or `parts` asks for them. Rejects when the SIM storage has no room for it.
   */
  async injectInbound(message: InboundMessage): Promise<void> {
    if (!this.running) throw new SmsGateError('TRANSPORT_UNAVAILABLE', 'the modem simulator is not running');
    this.concatReference = (this.concatReference + 1) & 0xff;
    const records = deliverRecords(message, this.device.sim.smsc, this.concatReference, Date.now());
    const free = this.device.freeInboundSlots();
    if (records.length > free) {
      throw new SmsGateError(
        'TRANSPORT_TEMPORARY',
        `the SIM storage has room for ${free} messages, the inbound message needs ${records.length}: delete some (AT+CMGD)`,
        { field: 'storage' },
      );
    }
    for (const record of records) this.device.route(record);
  }

  /** How many times a PIN was entered (AT+CPIN="<pin>"), right or wrong, over the simulator's life. */
  get pinAttempts(): number {
    return this.device.sim.pinAttempts;
  }

  /** Indexes of the messages in SIM storage ("SM"), to check that AT+CMGD happened. */
  storedMessages(): number[] {
    return this.device.sim.storages.SM.list().map((message) => message.index);
  }

  /** Indexes of the status reports in "SR" storage. */
  storedStatusReports(): number[] {
    return this.device.sim.storages.SR.list().map((message) => message.index);
  }

  /** Network registration (+CREG <stat>) changes; a +CREG URC follows when AT+CREG=1/2 asked for it. */
  setRegistration(stat: number): void {
    this.device.setRegistration(stat);
  }

  /** The +CSQ <rssi> from now on. */
  setSignal(rssi: number): void {
    this.device.signal = rssi;
  }

  private async plugIn(): Promise<void> {
    const pty = await openPty(this.link!);
    pty.on('data', (chunk) => this.device.input(chunk));
    pty.on('exit', (reason) => {
      this.pty = undefined;
      this.device.attached = false;
      this.device.powerCycle();
      this.emit('pty-lost', new SmsGateError('TRANSPORT_UNAVAILABLE', `the modem simulator's pty is gone: ${reason}`));
    });
    this.pty = pty;
    this.device.attached = true;
  }

  private async unplugPty(): Promise<void> {
    const pty = this.pty;
    this.pty = undefined;
    this.device.attached = false;
    await pty?.close();
  }

  private async removeOwnDirectory(): Promise<void> {
    if (this.ownDirectory === undefined) return;
    await rm(this.ownDirectory, { recursive: true, force: true });
    this.ownDirectory = undefined;
  }

  private createFaults(): ModemFaults {
    const device = this.device;
    return {
      failNext: (pattern, reply, count = 1) => {
        if (!(pattern instanceof RegExp)) throw invalid('pattern', 'pattern must be a RegExp');
        if (typeof reply !== 'string' || !/^(ERROR|\+CMS ERROR: .+|\+CME ERROR: .+|NO CARRIER|BUSY|NO ANSWER)$/.test(reply)) {
          throw invalid('reply', `reply must be ERROR, +CMS ERROR: <code> or +CME ERROR: <code>, got ${JSON.stringify(reply)}`);
        }
        if (!Number.isInteger(count) || count < 1) throw invalid('count', `count must be a positive integer, got ${String(count)}`);
        device.failures.push({ pattern, reply, remaining: count });
      },
      silence: () => {
        device.silent = true;
      },
      resume: () => device.resume(),
      storeBadEntry: (pdu, tpduLength = Math.max(1, Math.floor(pdu.length / 2))) => {
        if (typeof pdu !== 'string' || /[\r\n]/.test(pdu)) throw invalid('pdu', 'pdu must be a string of one line');
        const record = { kind: 'deliver' as const, pdu, tpduLength, originator: '', serviceCentreTime: Date.now(), dataCoding: 0, text: pdu };
        const index = device.sim.storages.SM.store(record);
        if (index === null) throw new SmsGateError('TRANSPORT_TEMPORARY', 'the SIM storage is full', { field: 'storage' });
        return index;
      },
      garbage: (text) => device.writeRaw(Buffer.concat([CRLF, text === undefined ? DEFAULT_GARBAGE : Buffer.from(text), CRLF])),
      urcInResponse: (pattern, urc) => {
        if (!(pattern instanceof RegExp)) throw invalid('pattern', 'pattern must be a RegExp');
        device.urcInjections.push({ pattern, urc });
      },
      unplug: async () => {
        if (!this.running) throw new SmsGateError('TRANSPORT_UNAVAILABLE', 'the modem simulator is not running');
        await this.unplugPty();
        device.powerCycle();
      },
      replug: async () => {
        if (!this.running) throw new SmsGateError('TRANSPORT_UNAVAILABLE', 'the modem simulator is not running');
        if (this.pty === undefined) await this.plugIn();
      },
    };
  }
}

function invalid(field: string, message: string): SmsGateError {
  return new SmsGateError('OPTION_INVALID', message, { field });
}
