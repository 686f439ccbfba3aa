/**
 * The GSM modem transport: smsgate sending and receiving through a modem on a serial port.
 *
 * It keeps the port open (reopening with backoff when the USB modem goes away), brings the
 * modem to a known state, reports registration and signal as the link's status, sends one
 * segment at a time with AT+CMGS, pairs status reports with what it sent, and hands inbound
 * messages and reports to the gateway, deleting them from the SIM (or acknowledging them with
 * AT+CNMA) only once they are stored. A modem that stops answering is reset.
 */
import { SerialPort } from 'serialport';
import { SmsGateError } from '../errors';
import type { LinkStatus, OutboundMessage, SubmitResult, Transport, TransportSink } from '../transport/types';
import { AtEngine, AtError, parseCmgs, parseCreg, parseCsq, type Urc } from './at';
import { encodeSubmitPdu, type PduAddress } from './pdu';
import { ReferenceBook } from './references';
import { Receiver } from './receiver';
import { RefusedPins } from './refused-pins';
import { setUpModem, SimLockedError, type ModemSetup } from './setup';
import { textModeSubmit } from './text-mode';
import { PartialSubmitError } from '../transport/partial-submit';

export interface ModemTransportOptions {
  id: string;
  /** The serial device, e.g. /dev/ttyUSB0 (or the simulator's link). */
  path: string;
  baudRate?: number;
  pin?: string;
  mode?: 'auto' | 'pdu' | 'text';
  /** An SMSC number for SIMs that lack one (AT+CSCA). */
  smsc?: string;
  commandTimeoutMs?: number;
  /** AT+CMGS waits for the network: much longer than other commands. */
  sendTimeoutMs?: number;
  /** Registration and signal are read this often; the poll also proves the modem answers. */
  healthIntervalMs?: number;
  reopenBaseMs?: number;
  reopenMaxMs?: number;
}

/** Two commands in a row without an answer: the modem hangs, and gets a reset. */
const TIMEOUTS_BEFORE_RESET = 2;

export class ModemTransport implements Transport {
  readonly type = 'modem';
  readonly id: string;
  /** A modem sends one SMS at a time. */
  readonly capacity = 1;
  private readonly options: Required<Omit<ModemTransportOptions, 'pin' | 'smsc'>> & Pick<ModemTransportOptions, 'pin' | 'smsc'>;
  private sink: TransportSink | undefined;
  private running = false;
  private port: SerialPort | undefined;
  private engine: AtEngine | undefined;
  private setup: ModemSetup | undefined;
  private receiver: Receiver | undefined;
  private registered = false;
  private timeouts = 0;
  private healthTimer: NodeJS.Timeout | undefined;
  private opening = false;
  private reopenTimer: NodeJS.Timeout | undefined;
  /** Submits go one message at a time, so a message's segments leave together and in order. */
  private sending: Promise<unknown> = Promise.resolve();
  private readonly references = new ReferenceBook();
  private firstOutcome: (() => void) | undefined;
  private lastStatus: LinkStatus = { state: 'disconnected' };

  constructor(options: ModemTransportOptions) {
    this.id = options.id;
    this.options = {
      baudRate: 115200,
      mode: 'auto',
      commandTimeoutMs: 10_000,
      sendTimeoutMs: 60_000,
      healthIntervalMs: 30_000,
      reopenBaseMs: 1000,
      reopenMaxMs: 60_000,
      ...options,
    };
  }

  async start(sink: TransportSink): Promise<void> {
    this.sink = sink;
    this.running = true;
    // Like the SMPP bind: the first submits should find a ready modem, but an absent one must
    // not hold the gateway's start for long.
    const outcome = new Promise<void>((resolve) => (this.firstOutcome = resolve));
    this.reopen(0);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([outcome, new Promise((resolve) => (timer = setTimeout(resolve, this.options.commandTimeoutMs * 3)))]);
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.reopenTimer);
    clearInterval(this.healthTimer);
    // A send in progress finishes (or times out) rather than leaving the modem inside a prompt.
    await this.sending.catch(() => undefined);
    await this.receiver?.idle();
    await this.closePort();
    this.status({ state: 'disconnected' });
  }

  submit(message: OutboundMessage): Promise<SubmitResult> {
    const result = this.sending.then(() => this.sendNow(message));
    this.sending = result.catch(() => undefined);
    return result;
  }

  // --- the port ------------------------------------------------------------------------------

  /** open(), whose every failure is handled inside; anything that still escapes is logged, never thrown at the host. */
  private reopen(failures: number): void {
    this.open(failures).catch((err: unknown) => this.warn(`opening the modem failed: ${(err as Error)?.message ?? String(err)}`, err));
  }

  /**
   * Opens the port and sets the modem up; on failure, tries again later with backoff. One at a
   * time: two would open the port twice, and each would read half of what the modem says.
   */
  private async open(failures: number): Promise<void> {
    if (!this.running || this.opening) return;
    this.opening = true;
    let again: boolean;
    try {
      again = await this.connect(failures);
    } finally {
      this.opening = false;
    }
    if (again && this.running) this.scheduleReopen(failures + 1);
  }

  /** One attempt at open(): true when it failed in a way worth trying again. */
  private async connect(failures: number): Promise<boolean> {
    this.status(failures === 0 ? { state: 'connecting' } : { state: 'reconnecting', detail: `attempt ${failures + 1}` });
    try {
      const port = await openPort(this.options.path, this.options.baudRate);
      this.port = port;
      if (!this.running) {
        await this.closePort(); // stop() came while the port opened
        return false;
      }
      // A late answer is waited for no longer than a command is (at most the engine's default 2 s).
      const engine = new AtEngine(port, { timeoutMs: this.options.commandTimeoutMs, lateGraceMs: Math.min(2000, this.options.commandTimeoutMs) });
      this.engine = engine;
      port.once('close', () => this.lost(port, 'the serial port closed (modem unplugged?)'));
      // Without a listener an 'error' event would end the process.
      port.on('error', (err: Error) => this.lost(port, err.message));
      engine.on('urc', (urc: Urc) => this.onUrc(urc));
      await this.attention(engine);
      const setup = await setUpModem(engine, { ...this.options, refusedPins: new RefusedPins(this.sink?.notes) });
      this.stillCurrent(engine);
      this.setup = setup;
      const receiver = new Receiver(this.id, engine, setup, this.sink!, this.references, (detail, cause) => this.warn(detail, cause));
      this.receiver = receiver;
      this.timeouts = 0;
      await this.checkHealth();
      this.stillCurrent(engine);
      // checkHealth handles its own failures: it never rejects.
      this.healthTimer = setInterval(() => void this.checkHealth(), this.options.healthIntervalMs);
      // Messages that arrived while we were away are still on the SIM.
      void receiver.sweep();
      return false;
    } catch (err) {
      await this.closePort();
      if (!this.running) return false;
      const error = err as Error;
      this.status({ state: 'error', detail: error.message });
      return !(err instanceof SimLockedError); // never retried: see SimLockedError
    }
  }

  /** Throws when the modem was reset (or lost) while open() waited for it. */
  private stillCurrent(engine: AtEngine): void {
    if (this.engine !== engine) {
      throw new SmsGateError('TRANSPORT_UNAVAILABLE', `the modem on ${this.options.path} was reset while it was being set up`);
    }
  }

  /** A modem left inside a '> ' prompt swallows commands until ESC; one still booting needs a moment. */
  private async attention(engine: AtEngine): Promise<void> {
    this.port?.write('\x1b');
    for (let attempt = 1; ; attempt++) {
      try {
        await engine.command('AT', { timeoutMs: Math.min(2000, this.options.commandTimeoutMs) });
        return;
      } catch (err) {
        if (attempt >= 3 || !(err instanceof AtError) || err.kind === 'CLOSED') {
          throw new SmsGateError('TRANSPORT_UNAVAILABLE', `the modem on ${this.options.path} does not answer AT`, { cause: err });
        }
      }
    }
  }

  private scheduleReopen(failures: number): void {
    // An open() under way sees that its engine is gone and tries again itself.
    if (this.opening) return;
    const ceiling = Math.min(this.options.reopenMaxMs, this.options.reopenBaseMs * 2 ** (failures - 1));
    const delay = ceiling / 2 + (Math.random() * ceiling) / 2;
    clearTimeout(this.reopenTimer);
    this.reopenTimer = setTimeout(() => this.reopen(failures), delay);
  }

  private lost(port: SerialPort, reason: string): void {
    if (this.port !== port) return;
    // While the modem is being set up, the failing command takes open() to its own retry.
    const wasReady = this.setup !== undefined;
    this.forget();
    // After an 'error' the port may still be open: left so, it would go on reading beside the next one.
    if (port.isOpen) port.close(() => undefined);
    if (!this.running || !wasReady) return;
    this.status({ state: 'reconnecting', detail: `${this.options.path}: ${reason}` });
    this.scheduleReopen(1);
  }

  /** Drops the current port, engine and receiver; pending commands fail with CLOSED. */
  private forget(): void {
    clearInterval(this.healthTimer);
    this.engine?.close();
    this.engine = undefined;
    this.setup = undefined;
    this.receiver = undefined;
    this.registered = false;
    this.port = undefined;
  }

  private async closePort(): Promise<void> {
    const port = this.port;
    this.forget();
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  // --- health --------------------------------------------------------------------------------

  private async checkHealth(): Promise<void> {
    const engine = this.engine;
    // Not before the setup is done (a +CREG during it): 'connected' would come before the modem can send.
    if (engine === undefined || this.setup === undefined) return;
    try {
      const registration = parseCreg(await engine.command('AT+CREG?', { prefix: '+CREG:' })).status;
      const signal = parseCsq(await engine.command('AT+CSQ', { prefix: '+CSQ:' }));
      this.timeouts = 0;
      const strength = signal.dbm === null ? 'signal unknown' : `signal ${signal.dbm} dBm`;
      this.registered = registration === 'registered-home' || registration === 'registered-roaming';
      if (this.registered) {
        const where = registration === 'registered-home' ? 'home network' : 'roaming';
        this.status({ state: 'connected', detail: `${where}, ${strength}, ${this.setup?.mode ?? 'pdu'} mode` });
      } else {
        this.status({ state: 'connecting', detail: `not registered (${registration}), ${strength}` });
      }
    } catch (err) {
      this.commandFailed(engine, err);
    }
  }

  /** Counts commands left unanswered; enough in a row and the modem is reset. */
  private commandFailed(engine: AtEngine, err: unknown): void {
    // A timeout on an engine already replaced says nothing about the modem as it is now.
    if (engine !== this.engine || !(err instanceof AtError) || err.kind !== 'TIMEOUT') return;
    if (++this.timeouts < TIMEOUTS_BEFORE_RESET || this.port === undefined) return;
    const port = this.port;
    this.status({ state: 'reconnecting', detail: `the modem stopped answering; resetting` });
    // Reopening runs the whole setup again (ESC, AT, ATZ, ...), which is the reset sequence.
    this.closePort()
      .catch(() => undefined) // a port that fails to close is gone all the same
      .then(() => {
        if (this.running && this.port === undefined && port !== undefined) this.scheduleReopen(1);
      });
  }

  // --- sending -------------------------------------------------------------------------------

  private async sendNow(message: OutboundMessage): Promise<SubmitResult> {
    const engine = this.engine;
    const setup = this.setup;
    if (!this.running || engine === undefined || setup === undefined) {
      const why = this.lastStatus.detail === undefined ? '' : ` (${this.lastStatus.detail})`;
      throw new SmsGateError('TRANSPORT_UNAVAILABLE', `transport ${this.id}: the modem is not ready${why}`);
    }
    if (!this.registered) {
      throw new SmsGateError('TRANSPORT_UNAVAILABLE', `transport ${this.id}: the modem is not registered on a network`);
    }
    const providerIds: string[] = [];
    // A retry sends only the segments not accepted yet (PDU mode: each with its own UDH).
    const indexes = message.segments ?? message.encoded.segments.map((_, i) => i);
    try {
      if (setup.mode === 'text') {
        const submit = textModeSubmit(message, Date.now());
        await engine.command(submit.parameters);
        providerIds.push(this.acknowledged(message, 0, await engine.commandWithPrompt(submit.command, submit.body, this.sendOptions())));
      } else {
        for (const index of indexes) {
          const segment = message.encoded.segments[index]!;
          const pdu = encodeSubmitPdu({
            destination: destinationOf(message),
            statusReportRequest: message.deliveryReport,
            validitySeconds: Math.max(0, Math.round((message.validUntil - Date.now()) / 1000)),
            dataCoding: message.encoded.dataCoding,
            segment,
          });
          const lines = await engine.commandWithPrompt(`AT+CMGS=${pdu.tpduLength}`, pdu.hex, this.sendOptions());
          providerIds.push(this.acknowledged(message, index, lines));
        }
      }
    } catch (err) {
      this.commandFailed(engine, err);
      const error = submitError(this.id, err);
      // The segments before the failure were accepted: they are not to be sent again.
      if (setup.mode === 'text' || providerIds.length === 0) throw error;
      throw new PartialSubmitError(error, providerIds.map((providerId, i) => ({ segment: indexes[i]!, providerId })));
    }
    return { providerIds };
  }

  private sendOptions() {
    return { timeoutMs: this.options.sendTimeoutMs, prefix: '+CMGS:' };
  }

  /**
   * The provider id of a segment the modem took (it answered OK). An answer without a readable
   * +CMGS reference still means the segment left: it is not sent again, but no status report can
   * be paired with it, so it gets an id no report will match, and the gateway logs why.
   */
  private acknowledged(message: OutboundMessage, segment: number, lines: string[]): string {
    let reference: number;
    try {
      reference = parseCmgs(lines);
    } catch (err) {
      this.warn(
        `the modem took segment ${segment + 1} of message ${message.id} but gave no readable reference ` +
          `(${(err as Error).message}): no status report can be paired with it`,
        err,
      );
      return `unpaired/${message.id}/${segment}`;
    }
    return this.references.submitted(reference, message.recipient.e164, Date.now());
  }

  // --- what the modem tells us unasked -------------------------------------------------------

  /** Called from the port's data event: nothing may be thrown from here into serialport. */
  private onUrc(urc: Urc): void {
    try {
      if (urc.type === 'CREG') {
        void this.checkHealth();
        return;
      }
      this.receiver?.handle(urc);
    } catch (err) {
      this.warn(`an unsolicited ${urc.type} from the modem could not be handled: ${(err as Error).message}`, err);
    }
  }

  /** A problem with one message, not the link: logged by the gateway (else shown in the status). */
  private warn(detail: string, cause?: unknown): void {
    if (this.sink?.warning === undefined) return this.status({ ...this.lastStatus, detail });
    const known = cause instanceof SmsGateError ? cause : undefined;
    this.sink.warning(
      new SmsGateError(known?.code ?? 'TRANSPORT_TEMPORARY', `transport ${this.id}: ${detail}`, {
        ...(known?.field === undefined ? {} : { field: known.field }),
        cause,
      }),
    );
  }

  private status(status: LinkStatus): void {
    this.lastStatus = status;
    if (status.state === 'connected' || status.state === 'error') this.firstOutcome?.();
    this.sink?.status(status);
  }
}

function destinationOf(message: OutboundMessage): PduAddress {
  return { type: 'international', value: message.recipient.e164 };
}

/** AT failures as the gateway understands them: worth retrying, refused for good, or no link. */
function submitError(transportId: string, err: unknown): SmsGateError {
  if (err instanceof SmsGateError) return err;
  if (!(err instanceof AtError)) {
    return new SmsGateError('TRANSPORT_TEMPORARY', `transport ${transportId}: ${(err as Error).message}`, { cause: err });
  }
  const message = `transport ${transportId}: ${err.message}`;
  switch (err.kind) {
    case 'CLOSED':
      return new SmsGateError('TRANSPORT_UNAVAILABLE', message, { cause: err });
    case 'CMS':
      return new SmsGateError(err.retryable ? 'TRANSPORT_TEMPORARY' : 'TRANSPORT_PERMANENT', message, {
        providerCode: `+CMS ERROR: ${err.code}`,
        cause: err,
      });
    default:
      // A timeout or a bare ERROR: the message may not have left; the outbox tries again.
      return new SmsGateError('TRANSPORT_TEMPORARY', message, { cause: err });
  }
}

function openPort(path: string, baudRate: number): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    port.open((err) => {
      if (err) {
        reject(new SmsGateError('TRANSPORT_UNAVAILABLE', `cannot open ${path}: ${err.message}`, { field: 'path', cause: err }));
      } else {
        resolve(port);
      }
    });
  });
}
