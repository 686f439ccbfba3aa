/**
 * The modem behind the pty: reads the TE's bytes, answers in the AT dialect of TS 27.007 /
 * TS 27.005 (verbose result codes, V.250 framing), and routes what the network sends (inbound
 * messages, status reports) as AT+CNMI asks.
 *
 * Everything here is synchronous: a command line is answered in one write, so an unsolicited code
 * never lands inside a response unless a fault puts it there (urcInResponse). Unsolicited codes
 * wait while the '> ' prompt is open and while the modem is silenced.
 */
import { CME_ERRORS } from '../at';
import type { PduAddress } from '../pdu';
import { fromUcs2Hex, routedLines, storedLines, type CharacterSet } from './formats';
import { decodeSubmit, pduAddress, statusReportRecord, type ReceivedSubmit } from './messages';
import type { ResolvedOptions } from './options';
import { MESSAGE_STATUS, type MessageRecord, type MessageStatus, type SimCard, type StorageName } from './sim-card';

export const IDENTITY = {
  manufacturer: 'SMSGATE',
  model: 'SIMULATED-GSM',
  revision: 'smsgate modem simulator 1.0',
  imei: '356938035643809',
  imsi: '001010123456789',
} as const;

const CTRL_Z = 0x1a;
const ESC = 0x1b;
const CR = 0x0d;
const LF = 0x0a;
const BACKSPACE = 0x08;
/** Longer than any PDU (2 * 176 hex digits) or text a modem takes after the prompt. */
const MAX_PROMPT_BODY = 1024;

/** TS 27.005 §3.2.5 +CMS ERROR codes. */
const CMS = {
  operationNotAllowed: 302,
  invalidPduParameter: 304,
  invalidTextParameter: 305,
  simPinRequired: 311,
  simFailure: 313,
  simPukRequired: 316,
  invalidIndex: 321,
  noNetwork: 331,
  noAckExpected: 340,
} as const;

export interface StatusReportEvent {
  reference: number;
  recipient: string;
  status: number;
  /** How the modem passed it on: +CDS, stored with +CDSI, or not at all (+CNMI <ds> 0). */
  routing: 'CDS' | 'CDSI' | 'none';
  index?: number;
}

export interface DeviceHost {
  write(data: string | Buffer): void;
  command(line: string): void;
  submit(submit: ReceivedSubmit): void;
  statusReport(event: StatusReportEvent): void;
}

export interface Failure {
  pattern: RegExp;
  reply: string;
  remaining: number;
}

interface Argument {
  value: string;
  quoted: boolean;
}

interface Command {
  /** 'E', 'Z', '&F', '+CMGS', ... upper case. */
  name: string;
  kind: 'action' | 'read' | 'test' | 'set';
  /** For basic commands the number after the letter, as the single argument. */
  args: (Argument | null)[];
  text: string;
}

type Outcome = { lines: string[]; error?: string } | { prompt: Prompt };

interface Prompt {
  textMode: boolean;
  /** PDU mode: the <length> of AT+CMGS. */
  tpduLength: number;
  destination: PduAddress | null;
  body: number[];
  failure: string | null;
  urc: string | null;
  linesBefore: string[];
}

interface Settings {
  echo: boolean;
  cmee: number;
  textMode: boolean;
  cnmi: [mode: number, mt: number, bm: number, ds: number, bfr: number];
  characterSet: CharacterSet;
  /** AT+CSMP <fo>,<vp>,<pid>,<dcs>. */
  csmp: [number, number, number, number];
  readStorage: StorageName;
  cregMode: number;
  /** AT+CSMS <service>: 1 (phase 2+) wants AT+CNMA after each +CMT / +CDS. */
  messageService: number;
}

export class ModemDevice {
  attached = false;
  silent = false;
  readonly failures: Failure[] = [];
  readonly urcInjections: { pattern: RegExp; urc: string }[] = [];
  registration: number;
  signal: number;
  private settings!: Settings;
  private line: number[] = [];
  private prompt: Prompt | null = null;
  private pendingUrcs: string[] = [];
  /** What the network could not hand over while the modem was unplugged; sent after the next AT+CNMI. */
  private held: MessageRecord[] = [];
  /** What a command set off that must follow its final result code (routing after AT+CNMI / AT+CNMA). */
  private afterResponse: (() => void)[] = [];
  private awaitingAck: MessageRecord | null = null;
  private ackQueue: MessageRecord[] = [];
  private ackTimer: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly options: ResolvedOptions,
    readonly sim: SimCard,
    private readonly host: DeviceHost,
  ) {
    this.registration = options.registration;
    this.signal = options.signal;
    this.powerCycle();
  }

  /** Back to power-on settings (as after an unplug); what the SIM holds stays. */
  powerCycle(): void {
    this.settings = this.defaultSettings();
    this.line = [];
    this.prompt = null;
    this.pendingUrcs = [];
    this.afterResponse = [];
    this.silent = false;
    clearTimeout(this.ackTimer);
    // Unacknowledged +CMT / +CDS were never RP-ACKed: the network sends them again later.
    if (this.awaitingAck !== null) this.held.push(this.awaitingAck);
    this.held.push(...this.ackQueue);
    this.awaitingAck = null;
    this.ackQueue = [];
    this.sim.powerCycle();
  }

  /** Power-on settings, which ATZ also restores. */
  private defaultSettings(): Settings {
    return {
      echo: true,
      cmee: 0,
      textMode: this.options.textModeOnly,
      cnmi: [0, 0, 0, 0, 0],
      characterSet: 'GSM',
      csmp: [17, 167, 0, 0],
      readStorage: 'SM',
      cregMode: 0,
      messageService: this.options.requireAck ? 1 : 0,
    };
  }

  dispose(): void {
    clearTimeout(this.ackTimer);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  input(chunk: Buffer): void {
    for (const byte of chunk) {
      if (this.prompt !== null) this.promptByte(this.prompt, byte);
      else this.commandByte(byte);
    }
  }

  resume(): void {
    this.silent = false;
    this.flushUrcs();
  }

  writeRaw(bytes: Buffer): void {
    this.host.write(bytes);
  }

  /** Routes an inbound message or status report as the TE's AT+CNMI asks (TS 27.005 §3.4.1). */
  route(record: MessageRecord): void {
    if (!this.attached) {
      this.held.push(record);
      return;
    }
    const [, mt, , ds] = this.settings.cnmi;
    if (record.kind === 'deliver') {
      if (mt === 2) {
        this.routeDirect(record);
        return;
      }
      const index = this.sim.storages.SM.store(record);
      if (index !== null && (mt === 1 || mt === 3)) this.urc([`+CMTI: "SM",${index}`]);
      return;
    }
    const event: StatusReportEvent = {
      reference: record.reference,
      recipient: record.recipient,
      status: record.status,
      routing: 'none',
    };
    if (ds === 1) {
      event.routing = 'CDS';
      this.routeDirect(record);
    } else if (ds === 2) {
      const index = this.sim.storages.SR.store(record);
      if (index !== null) {
        event.routing = 'CDSI';
        event.index = index;
        this.urc([`+CDSI: "SR",${index}`]);
      }
    }
    this.host.statusReport(event);
  }

  /** Free slots in SIM storage for inbound messages ("SM"). */
  freeInboundSlots(): number {
    const storage = this.sim.storages.SM;
    return storage.size - storage.used;
  }

  /** Registration changed: +CREG: <stat> when AT+CREG=1 or 2 asked for it. */
  setRegistration(stat: number): void {
    this.registration = stat;
    if (this.settings.cregMode > 0) this.urc([`+CREG: ${this.cregFields()}`]);
  }

  private routeDirect(record: MessageRecord): void {
    if (this.settings.messageService === 1) {
      if (this.awaitingAck !== null) {
        this.ackQueue.push(record);
        return;
      }
      this.awaitingAck = record;
      this.ackTimer = setTimeout(() => this.ackTimedOut(), this.options.ackTimeoutMs);
    }
    this.urc(routedLines(record, this.settings.textMode, this.settings.characterSet));
  }

  /** TS 27.005 §3.4.1: no +CNMA in time turns routing off; the network's retries then land in storage. */
  private ackTimedOut(): void {
    const unacknowledged = [this.awaitingAck!, ...this.ackQueue];
    this.awaitingAck = null;
    this.ackQueue = [];
    this.settings.cnmi[1] = 0;
    this.settings.cnmi[3] = 0;
    for (const record of unacknowledged) this.route(record);
  }

  private acknowledge(): Outcome {
    if (this.awaitingAck === null) return cmsError(CMS.noAckExpected);
    clearTimeout(this.ackTimer);
    this.awaitingAck = null;
    const next = this.ackQueue.shift();
    if (next !== undefined) this.afterResponse.push(() => this.route(next));
    return ok();
  }

  private urc(lines: string[]): void {
    const text = `\r\n${lines.join('\r\n')}\r\n`;
    if (this.silent || this.prompt !== null) this.pendingUrcs.push(text);
    else this.host.write(text);
  }

  private flushUrcs(): void {
    if (this.silent || this.prompt !== null) return;
    const pending = this.pendingUrcs;
    this.pendingUrcs = [];
    for (const text of pending) this.host.write(text);
  }

  // --- input ---------------------------------------------------------------------------------

  private commandByte(byte: number): void {
    if (this.settings.echo && !this.silent) this.host.write(String.fromCharCode(byte));
    if (byte === LF) return;
    if (byte === BACKSPACE) {
      this.line.pop();
      return;
    }
    if (byte !== CR) {
      this.line.push(byte);
      return;
    }
    const line = Buffer.from(this.line).toString('utf8').trim();
    this.line = [];
    // V.250 §5.2.1: anything before the "AT" prefix is not a command.
    const start = line.toUpperCase().indexOf('AT');
    if (start < 0) return;
    this.runLine(line.slice(start));
  }

  private promptByte(prompt: Prompt, byte: number): void {
    if (this.silent) return;
    if (byte === ESC) {
      this.prompt = null;
      this.respond(prompt.linesBefore, 'OK', null);
      return;
    }
    if (byte === CTRL_Z) {
      this.prompt = null;
      const { lines, error } = this.send(prompt);
      this.respond([...prompt.linesBefore, ...lines], error ?? 'OK', prompt.urc);
      return;
    }
    if (this.settings.echo) this.host.write(String.fromCharCode(byte));
    if (byte === BACKSPACE) {
      prompt.body.pop();
      return;
    }
    if (byte === CR && prompt.textMode) {
      // TS 27.005 §3.5.1: each <CR> in text mode gets a new prompt.
      this.host.write('\r\n> ');
      prompt.body.push(LF);
      return;
    }
    if ((byte === CR || byte === LF) && !prompt.textMode) return;
    if (prompt.body.length < MAX_PROMPT_BODY) prompt.body.push(byte);
  }

  private runLine(line: string): void {
    this.host.command(line);
    if (this.silent) return;
    const failure = this.takeFailure(line);
    const injection = this.urcInjections.findIndex(({ pattern }) => pattern.test(line));
    const urc = injection < 0 ? null : this.urcInjections.splice(injection, 1)[0]!.urc;
    const commands = parseLine(line.slice(2));
    if (failure !== null && !commands?.some((command) => command.name === '+CMGS')) {
      this.respond([], failure, urc);
      return;
    }
    if (commands === null) {
      this.respond([], 'ERROR', urc);
      return;
    }
    const lines: string[] = [];
    for (const [i, command] of commands.entries()) {
      const outcome = this.execute(command);
      if ('prompt' in outcome) {
        if (i !== commands.length - 1) {
          this.respond(lines, 'ERROR', urc);
          return;
        }
        Object.assign(outcome.prompt, { failure, urc, linesBefore: lines });
        this.prompt = outcome.prompt;
        this.host.write('\r\n> ');
        return;
      }
      lines.push(...outcome.lines);
      if (outcome.error !== undefined) {
        this.respond(lines, outcome.error, urc);
        return;
      }
    }
    this.respond(lines, 'OK', urc);
  }

  private respond(lines: string[], final: string, urc: string | null): void {
    const information = lines.length === 0 ? '' : `\r\n${lines.join('\r\n')}\r\n`;
    const interjected = urc === null ? '' : `\r\n${urc}\r\n`;
    this.host.write(`${information}${interjected}\r\n${final}\r\n`);
    this.flushUrcs();
    const actions = this.afterResponse;
    this.afterResponse = [];
    for (const action of actions) action();
  }

  private takeFailure(line: string): string | null {
    const index = this.failures.findIndex(({ pattern }) => pattern.test(line));
    if (index < 0) return null;
    const failure = this.failures[index]!;
    if (--failure.remaining === 0) this.failures.splice(index, 1);
    return failure.reply;
  }

  // --- commands ------------------------------------------------------------------------------

  private execute(command: Command): Outcome {
    const { name, kind, args } = command;
    const number = (i: number, min: number, max: number) => integerArgument(args[i], min, max);
    switch (name) {
      case 'Z':
      case '&F':
        this.settings = this.defaultSettings();
        return ok();
      case 'E':
      case 'V':
      case 'Q': {
        const value = number(0, 0, 1) ?? (args[0] === null ? 0 : undefined);
        if (value === undefined) return error();
        if (name === 'E') this.settings.echo = value === 1;
        // Numeric result codes (V0) and quiet mode (Q1) are not simulated.
        return (name === 'V' && value === 0) || (name === 'Q' && value === 1) ? error() : ok();
      }
      case 'I':
        return ok(IDENTITY.manufacturer, IDENTITY.model, `Revision: ${IDENTITY.revision}`);
      case '+CGMI':
      case '+GMI':
        return identification(kind, IDENTITY.manufacturer);
      case '+CGMM':
      case '+GMM':
        return identification(kind, IDENTITY.model);
      case '+CGMR':
      case '+GMR':
        return identification(kind, IDENTITY.revision);
      case '+CGSN':
      case '+GSN':
        return identification(kind, IDENTITY.imei);
      case '+CIMI': {
        if (kind === 'test') return ok();
        if (kind !== 'action') return error();
        return this.simError('CME') ?? ok(IDENTITY.imsi);
      }
      case '+CMEE':
        return this.setting(kind, '+CMEE: (0-2)', `+CMEE: ${this.settings.cmee}`, () => {
          const value = number(0, 0, 2);
          if (value === undefined) return false;
          this.settings.cmee = value;
          return true;
        });
      case '+CPIN':
        return this.cpin(command);
      case '+CMGF':
        return this.setting(kind, `+CMGF: ${this.options.textModeOnly ? '(1)' : '(0,1)'}`, `+CMGF: ${this.settings.textMode ? 1 : 0}`, () => {
          const value = number(0, 0, 1);
          if (value === undefined || (value === 0 && this.options.textModeOnly)) return false;
          this.settings.textMode = value === 1;
          return true;
        });
      case '+CNMI':
        return this.cnmi(command);
      case '+CSMP':
        return this.setting(kind, '+CSMP: (0-255),(0-255),(0-255),(0-255)', `+CSMP: ${this.settings.csmp.join(',')}`, () => {
          const values = this.settings.csmp.map((current, i) => (args[i] == null ? current : number(i, 0, 255)));
          if (args.length > 4 || values.some((value) => value === undefined)) return false;
          this.settings.csmp = values as Settings['csmp'];
          return true;
        });
      case '+CSCS':
        return this.setting(kind, '+CSCS: ("GSM","IRA","UCS2")', `+CSCS: "${this.settings.characterSet}"`, () => {
          const value = args[0]?.value.toUpperCase();
          if (value !== 'GSM' && value !== 'IRA' && value !== 'UCS2') return false;
          this.settings.characterSet = value;
          return true;
        });
      case '+CSCA':
        return this.csca(command);
      case '+CPMS':
        return this.cpms(command);
      case '+CREG':
        return this.setting(kind, '+CREG: (0-2)', `+CREG: ${this.settings.cregMode},${this.cregFields()}`, () => {
          const value = number(0, 0, 2);
          if (value === undefined) return false;
          this.settings.cregMode = value;
          return true;
        });
      case '+CSQ':
        if (kind === 'test') return ok('+CSQ: (0-31,99),(0-7,99)');
        return kind === 'action' ? ok(`+CSQ: ${this.signal},99`) : error();
      case '+COPS':
        if (kind !== 'read') return error();
        return ok(this.registered() ? '+COPS: 0,0,"SMSGATE SIM"' : '+COPS: 0');
      case '+CMGS':
        return this.cmgs(command);
      case '+CMGR':
        return this.cmgr(command);
      case '+CMGL':
        return this.cmgl(command);
      case '+CMGD':
        return this.cmgd(command);
      case '+CSMS':
        return this.setting(kind, '+CSMS: (0,1)', `+CSMS: ${this.settings.messageService},1,1,1`, () => {
          const value = number(0, 0, 1);
          if (value === undefined) return false;
          this.settings.messageService = value;
          return true;
        }, '+CSMS: 1,1,1');
      case '+CNUM': {
        if (kind === 'test') return ok();
        if (kind !== 'action') return error();
        const own = this.options.ownNumber;
        return this.simError('CME') ?? (own === null ? ok() : ok(`+CNUM: "","${own}",${own.startsWith('+') ? 145 : 129}`));
      }
      case '+CCID':
      case '+QCCID':
        return this.iccid(command);
      case '+CNMA':
        if (kind === 'test') return ok('+CNMA: (0-2)');
        return kind === 'read' ? error() : this.acknowledge();
      default:
        return this.cmeError(4);
    }
  }

  /** A read/test/set command of one setting; `set` returns false for a bad value (ERROR). */
  private setting(kind: Command['kind'], test: string, read: string, set: () => boolean, setResponse?: string): Outcome {
    switch (kind) {
      case 'test':
        return ok(test);
      case 'read':
        return ok(read);
      case 'set':
        if (!set()) return error();
        return setResponse === undefined ? ok() : ok(setResponse);
      default:
        return error();
    }
  }

  private cpin({ kind, args }: Command): Outcome {
    const sim = this.sim;
    if (kind === 'test') return ok();
    if (kind === 'read') return sim.pinState === 'BLOCKED' ? this.cmeError(13) : ok(`+CPIN: ${sim.pinState}`);
    if (kind !== 'set' || args[0] == null || args.length > 2) return error();
    const code = args[0].value;
    const newPin = args[1]?.value;
    switch (sim.pinState) {
      case 'READY':
        return this.cmeError(3);
      case 'BLOCKED':
        return this.cmeError(13);
      case 'SIM PIN':
        if (newPin !== undefined) return this.cmeError(3);
        return sim.enterPin(code) ? ok() : this.cmeError(16);
      case 'SIM PUK':
        if (newPin === undefined) return this.cmeError(12);
        if (!/^\d{4,8}$/.test(newPin)) return error();
        return sim.enterPuk(code, newPin) ? ok() : this.cmeError(16);
    }
  }

  /**
   * The SIM's ICCID (EF_ICCID), readable while the SIM still wants its PIN: AT+CCID (SIMCom,
   * Telit, u-blox; also as AT+CCID?) answers `+CCID: <iccid>`, Quectel's AT+QCCID `+QCCID: <iccid>`.
   * A modem without the option answers as one that does not know the command.
   */
  private iccid({ name, kind }: Command): Outcome {
    const iccid = this.options.iccid;
    if (iccid === null) return this.cmeError(4);
    if (kind === 'test') return ok();
    if (kind === 'set' || (kind === 'read' && name !== '+CCID')) return error();
    return ok(`${name}: ${iccid}`);
  }

  private cnmi({ kind, args }: Command): Outcome {
    const outcome = this.setting(kind, '+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)', `+CNMI: ${this.settings.cnmi.join(',')}`, () => {
      const limits = [3, 3, 3, 2, 1];
      if (args.length > limits.length) return false;
      const values = this.settings.cnmi.map((current, i) => (args[i] == null ? current : integerArgument(args[i], 0, limits[i]!)));
      if (values.some((value) => value === undefined)) return false;
      this.settings.cnmi = values as Settings['cnmi'];
      return true;
    });
    if (kind === 'set' && !('prompt' in outcome) && outcome.error === undefined) {
      this.afterResponse.push(() => {
        const held = this.held;
        this.held = [];
        for (const record of held) this.route(record);
      });
    }
    return outcome;
  }

  private csca({ kind, args }: Command): Outcome {
    if (kind === 'test') return ok();
    const simError = this.simError('CMS');
    if (simError !== null) return simError;
    if (kind === 'read') return ok(`+CSCA: "${this.sim.smsc}",145`);
    if (kind !== 'set' || args[0] == null || !/^\+?\d{1,20}$/.test(args[0].value)) return error();
    const value = args[0].value;
    this.sim.smsc = value.startsWith('+') ? value : `+${value}`;
    return ok();
  }

  private cpms({ kind, args }: Command): Outcome {
    if (kind === 'test') return ok('+CPMS: ("SM","SR"),("SM"),("SM")');
    const simError = this.simError('CMS');
    if (simError !== null) return simError;
    const usage = (name: StorageName) => `${this.sim.storages[name].used},${this.sim.storages[name].size}`;
    if (kind === 'read') {
      const read = this.settings.readStorage;
      return ok(`+CPMS: "${read}",${usage(read)},"SM",${usage('SM')},"SM",${usage('SM')}`);
    }
    if (kind !== 'set' || args[0] == null || args.length > 3) return error();
    const read = args[0].value.toUpperCase();
    const others = args.slice(1).map((arg) => arg?.value.toUpperCase());
    if ((read !== 'SM' && read !== 'SR') || others.some((name) => name !== 'SM')) return cmsError(CMS.operationNotAllowed);
    this.settings.readStorage = read;
    return ok(`+CPMS: ${usage(read)},${usage('SM')},${usage('SM')}`);
  }

  private cmgs({ kind, args }: Command): Outcome {
    if (kind === 'test') return ok();
    if (kind !== 'set' || args[0] == null) return error();
    const problem = this.simError('CMS') ?? (this.registered() ? null : cmsError(CMS.noNetwork));
    if (problem !== null) return problem;
    const base = { body: [], failure: null, urc: null, linesBefore: [] };
    if (!this.settings.textMode) {
      const tpduLength = integerArgument(args[0], 1, 255);
      if (tpduLength === undefined || args.length > 1) return error();
      return { prompt: { ...base, textMode: false, tpduLength, destination: null } };
    }
    let destination = args[0].value;
    if (this.settings.characterSet === 'UCS2') destination = fromUcs2Hex(destination) ?? '';
    const typeOfAddress = args[1] == null ? undefined : integerArgument(args[1], 0, 255);
    if (!/^\+?\d{1,20}$/.test(destination) || typeOfAddress === undefined && args[1] != null) {
      return cmsError(CMS.invalidTextParameter);
    }
    return { prompt: { ...base, textMode: true, tpduLength: 0, destination: pduAddress(destination, typeOfAddress) } };
  }

  /** Ctrl-Z: the modem hands the message to the network. */
  private send(prompt: Prompt): { lines: string[]; error?: string } {
    if (prompt.failure !== null) return { lines: [], error: prompt.failure };
    const body = Buffer.from(prompt.body).toString('utf8');
    const submittedAt = Date.now();
    let submit: ReceivedSubmit;
    let destinationAddress: PduAddress;
    if (!prompt.textMode) {
      const decoded = decodeSubmit(body.trim(), prompt.tpduLength);
      if (decoded === null) return cmsError(CMS.invalidPduParameter);
      destinationAddress = decoded.destination;
      submit = {
        reference: this.sim.takeReference(),
        destination: decoded.destination.value,
        text: decoded.text,
        statusReportRequest: decoded.statusReportRequest,
        dataCoding: decoded.dataCoding,
        pdu: body.trim().toUpperCase(),
      };
      if (decoded.header !== undefined) submit.header = decoded.header;
    } else {
      const [firstOctet, , , dataCoding] = this.settings.csmp;
      const hex = this.settings.characterSet === 'UCS2' || dataCoding === 8;
      const text = hex ? fromUcs2Hex(body) : body;
      if (text === null) return cmsError(CMS.invalidTextParameter);
      destinationAddress = prompt.destination!;
      submit = {
        reference: this.sim.takeReference(),
        destination: destinationAddress.value,
        text,
        // TS 27.005 +CSMP <fo> is the SMS-SUBMIT first octet: bit 5 is TP-SRR.
        statusReportRequest: (firstOctet & 0x20) !== 0,
        dataCoding,
        pdu: null,
      };
    }
    this.host.submit(submit);
    if (submit.statusReportRequest) {
      const report = { ...submit, destinationAddress, submittedAt };
      this.after(this.options.statusReportDelayMs, () =>
        this.route(statusReportRecord(report, this.sim.smsc, this.options.statusReportStatus, Date.now())),
      );
    }
    return { lines: [`+CMGS: ${submit.reference}`] };
  }

  private cmgr({ kind, args }: Command): Outcome {
    if (kind === 'test') return ok();
    if (kind !== 'set' || args.length !== 1) return error();
    const simError = this.simError('CMS');
    if (simError !== null) return simError;
    const storage = this.sim.storages[this.settings.readStorage];
    const index = integerArgument(args[0], 0, 65535);
    if (index === undefined || !storage.inRange(index)) return cmsError(CMS.invalidIndex);
    const message = storage.get(index);
    if (message === undefined) return ok();
    const lines = storedLines(message, false, this.settings.textMode, this.settings.characterSet);
    if (message.status === 'REC UNREAD') message.status = 'REC READ';
    return ok(...lines);
  }

  private cmgl({ kind, args }: Command): Outcome {
    const textMode = this.settings.textMode;
    if (kind === 'test') {
      return ok(textMode ? '+CMGL: ("REC UNREAD","REC READ","STO UNSENT","STO SENT","ALL")' : '+CMGL: (0-4)');
    }
    if (kind === 'read' || args.length > 1) return error();
    const simError = this.simError('CMS');
    if (simError !== null) return simError;
    // TS 27.005 §3.4.2 / §4.1: the default <stat> is "REC UNREAD" / 0.
    let wanted: MessageStatus | 'ALL';
    if (textMode) {
      const value = args[0]?.value.toUpperCase() ?? 'REC UNREAD';
      if (value !== 'ALL' && !(MESSAGE_STATUS as readonly string[]).includes(value)) return error();
      wanted = value as MessageStatus | 'ALL';
    } else {
      const value = args[0] == null ? 0 : integerArgument(args[0], 0, 4);
      if (value === undefined) return error();
      wanted = value === 4 ? 'ALL' : MESSAGE_STATUS[value]!;
    }
    const lines: string[] = [];
    for (const message of this.sim.storages[this.settings.readStorage].list()) {
      if (wanted !== 'ALL' && message.status !== wanted) continue;
      lines.push(...storedLines(message, true, textMode, this.settings.characterSet));
      if (message.status === 'REC UNREAD') message.status = 'REC READ';
    }
    return ok(...lines);
  }

  private cmgd({ kind, args }: Command): Outcome {
    if (kind === 'test') return ok('+CMGD: (1-255),(0-4)');
    if (kind !== 'set' || args.length > 2) return error();
    const simError = this.simError('CMS');
    if (simError !== null) return simError;
    const storage = this.sim.storages[this.settings.readStorage];
    const flag = args[1] == null ? 0 : integerArgument(args[1], 0, 4);
    if (flag === undefined) return error();
    if (flag === 0) {
      const index = integerArgument(args[0], 0, 65535);
      if (index === undefined || !storage.inRange(index)) return cmsError(CMS.invalidIndex);
      storage.delete(index);
      return ok();
    }
    // TS 27.005 §3.5.4 <delflag>: 1 read, 2 read and sent, 3 read, sent and unsent, 4 all.
    const deleted: readonly MessageStatus[][] = [[], ['REC READ'], ['REC READ', 'STO SENT'], ['REC READ', 'STO SENT', 'STO UNSENT']];
    for (const message of storage.list()) {
      if (flag === 4 || deleted[flag]!.includes(message.status)) storage.delete(message.index);
    }
    return ok();
  }

  // --- helpers -------------------------------------------------------------------------------

  private registered(): boolean {
    return this.registration === 1 || this.registration === 5;
  }

  /** <stat>, and with AT+CREG=2 a made-up <lac>,<ci> while registered. */
  private cregFields(): string {
    const location = this.settings.cregMode === 2 && this.registered() ? ',"00A1","0000ABCD"' : '';
    return `${this.registration}${location}`;
  }

  /** The error a command that needs the SIM gets while it is locked; null when the SIM is ready. */
  private simError(family: 'CME' | 'CMS'): Outcome | null {
    switch (this.sim.pinState) {
      case 'READY':
        return null;
      case 'SIM PIN':
        return family === 'CME' ? this.cmeError(11) : cmsError(CMS.simPinRequired);
      case 'SIM PUK':
        return family === 'CME' ? this.cmeError(12) : cmsError(CMS.simPukRequired);
      case 'BLOCKED':
        return family === 'CME' ? this.cmeError(13) : cmsError(CMS.simFailure);
    }
  }

  /** +CME ERROR as AT+CMEE asks: plain ERROR (0), the code (1) or its text (2). */
  private cmeError(code: number): Outcome {
    switch (this.settings.cmee) {
      case 1:
        return { lines: [], error: `+CME ERROR: ${code}` };
      case 2:
        return { lines: [], error: `+CME ERROR: ${CME_ERRORS.get(code) ?? 'unknown'}` };
      default:
        return error();
    }
  }

  private after(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }
}

function ok(...lines: string[]): Outcome {
  return { lines };
}

function error(): Outcome {
  return { lines: [], error: 'ERROR' };
}

/** TS 27.005 §3.2.5: +CMS ERROR whatever AT+CMEE says. */
function cmsError(code: number): { lines: string[]; error: string } {
  return { lines: [], error: `+CMS ERROR: ${code}` };
}

function identification(kind: Command['kind'], value: string): Outcome {
  if (kind === 'test') return ok();
  return kind === 'action' ? ok(value) : error();
}

function integerArgument(arg: Argument | null | undefined, min: number, max: number): number | undefined {
  if (arg == null || !/^\d{1,6}$/.test(arg.value)) return undefined;
  const value = Number(arg.value);
  return value >= min && value <= max ? value : undefined;
}

/**
 * The commands of one line after "AT" (V.250 §5.3): basic ones run together (E0V1), extended ones
 * separated by ';' (+CMGF=0;+CNMI=2,1). Null when the line does not parse.
 */
export function parseLine(rest: string): Command[] | null {
  const commands: Command[] = [];
  let position = 0;
  while (position < rest.length) {
    const remaining = rest.slice(position);
    if (remaining.startsWith(';')) {
      position++;
      continue;
    }
    if (remaining[0] === '+') {
      const end = endOfExtended(remaining);
      const text = remaining.slice(0, end);
      const command = parseExtended(text);
      if (command === null) return null;
      commands.push(command);
      position += end;
      continue;
    }
    const basic = /^(&[A-Z]|[A-Z])(\d*)/i.exec(remaining);
    if (basic === null) return null;
    const [text, letter, digits] = basic;
    commands.push({
      name: letter!.toUpperCase(),
      kind: 'set',
      args: [digits === '' ? null : { value: digits!, quoted: false }],
      text,
    });
    position += text.length;
  }
  return commands;
}

function endOfExtended(text: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === ';' && !quoted) return i;
  }
  return text.length;
}

function parseExtended(text: string): Command | null {
  const match = /^(\+[A-Z]+)(=\?|\?|=)?([^]*)$/i.exec(text);
  if (match === null) return null;
  const [, name, suffix, rest] = match;
  const kind = suffix === '=?' ? 'test' : suffix === '?' ? 'read' : suffix === '=' ? 'set' : 'action';
  if (kind !== 'set' && rest !== '') return null;
  const args = kind === 'set' ? parseArguments(rest!) : [];
  if (args === null) return null;
  return { name: name!.toUpperCase(), kind, args, text };
}

function parseArguments(text: string): (Argument | null)[] | null {
  const args: (Argument | null)[] = [];
  let position = 0;
  for (;;) {
    const quoted = /^\s*"([^"]*)"\s*/.exec(text.slice(position));
    let arg: Argument | null;
    if (quoted !== null) {
      arg = { value: quoted[1]!, quoted: true };
      position += quoted[0].length;
    } else {
      const end = text.indexOf(',', position);
      const value = text.slice(position, end < 0 ? text.length : end).trim();
      if (value.includes('"')) return null;
      arg = value === '' ? null : { value, quoted: false };
      position = end < 0 ? text.length : end;
    }
    args.push(arg);
    if (position >= text.length) return args;
    if (text[position] !== ',') return null;
    position++;
  }
}
