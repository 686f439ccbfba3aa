/**
 * The AT command engine: one command in flight over a serial port, a FIFO queue behind it, and
 * unsolicited result codes picked out of the stream whenever they come.
 */
import { EventEmitter } from 'node:events';
import { AtError, describeError, type AtErrorKind } from './errors';
import { fieldsAfter } from './fields';
import { LineSplitter, MAX_LINE_LENGTH, type Frame } from './framing';
import { isCregAnswer, matchUrc, type Urc, type UrcMatch } from './urc';

/** The serial port as the engine needs it; a `serialport` SerialPort satisfies it, and so does a binding-mock port. */
export interface AtPort {
  write(data: string | Buffer): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close' | 'error', listener: (arg?: unknown) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'close' | 'error', listener: (arg?: unknown) => void): unknown;
}

export interface CommandOptions {
  /**
   * Default: the engine's (5 s). For a prompt command it runs from the moment the body is sent:
   * AT+CMGS needs longer (60 s is common practice), the prompt has its own `promptTimeoutMs`.
   */
  timeoutMs?: number;
  /**
   * The prefix of this command's information lines, e.g. '+CSQ:' for AT+CSQ; by default taken
   * from the command ('AT+CPIN?' -> '+CPIN:'). Lines with the prefix belong to the response even
   * when they look like a URC ('+CPIN: READY'), except a +CREG: in the unsolicited form. A
   * known URC without the prefix is emitted as a URC. After a '+CMGR:'/'+CMGL:' line, the next
   * line is its PDU or text, whatever it looks like. Other lines belong to the response (ATI).
   */
  prefix?: string;
  /** commandWithPrompt only: how long to wait for '> ' before sending ESC. Default: the engine's `timeoutMs`. */
  promptTimeoutMs?: number;
}

export interface AtEngineOptions {
  /** Per command, default 5000 ms. */
  timeoutMs?: number;
  /**
   * After a timeout, how long the next command is held back while the late final result code of
   * the timed-out one may still arrive. Default 2000 ms.
   */
  lateGraceMs?: number;
  /** Lines longer than this are dropped as noise. Default MAX_LINE_LENGTH. */
  maxLineLength?: number;
}

const CTRL_Z = '\x1a';
const ESC = '\x1b';
/** Information lines followed by one line of their own: the PDU (PDU mode) or the text (text mode). */
const PREFIXES_WITH_BODY = new Set(['+CMGR:', '+CMGL:']);

type Final = { ok: true } | { ok: false; kind: AtErrorKind; message: string; code?: number };

interface Job {
  command: string;
  /** commandWithPrompt: what goes after '> '. */
  body: string | null;
  prefix: string | null;
  timeoutMs: number;
  promptTimeoutMs: number;
  /** 'prompt': the command is sent, '> ' awaited; 'response': waiting for the final result code. */
  phase: 'prompt' | 'response';
  lines: string[];
  /** The previous line was a +CMGR:/+CMGL: header: this one is its PDU or text. */
  expectBody: boolean;
  resolve(lines: string[]): void;
  reject(error: AtError): void;
}

export interface AtEngine {
  on(event: 'urc', listener: (urc: Urc) => void): this;
  on(event: 'noise', listener: (line: string) => void): this;
  once(event: 'urc', listener: (urc: Urc) => void): this;
  once(event: 'noise', listener: (line: string) => void): this;
  off(event: 'urc', listener: (urc: Urc) => void): this;
  off(event: 'noise', listener: (line: string) => void): this;
}

/**
 * Events: 'urc' (urc: Urc) for every unsolicited result code, parsed; 'noise' (line: string) for
 * a line that is neither a response nor a known URC: garbage, an overlong line's head, a stray
 * prompt, and the late lines of a command that timed out.
 *
 * After a timeout the modem may still answer the timed-out command. Its late lines must not
 * become the next command's response, and since nothing in "OK" says which command it ends, the
 * engine holds the queue back instead: until the late final result code arrives (it and
 * everything before it go to 'noise'; URCs are still emitted) or `lateGraceMs` passes, whichever
 * is first. A prompt timeout sends ESC first, which makes most modems answer at once. A modem
 * that answers even later than that is out of step, and the next commands may then fail or time
 * out: the transport's answer to that is its reset sequence.
 */
export class AtEngine extends EventEmitter {
  private readonly splitter: LineSplitter;
  private readonly timeoutMs: number;
  private readonly lateGraceMs: number;
  private readonly queue: Job[] = [];
  private current: Job | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** A command timed out and its late final result code may still come: the queue waits. */
  private stale: { timer: NodeJS.Timeout } | null = null;
  /** The first line of a +CMT / +CDS, waiting for its second. */
  private twoLine: { header: string; complete: (second: string) => Urc | null } | null = null;
  /** Why the engine stopped; null while it runs. */
  private closedBecause: string | null = null;

  constructor(
    private readonly port: AtPort,
    options: AtEngineOptions = {},
  ) {
    super();
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.lateGraceMs = options.lateGraceMs ?? 2000;
    this.splitter = new LineSplitter(options.maxLineLength ?? MAX_LINE_LENGTH);
    port.on('data', this.onData);
    port.on('close', this.onClose);
    port.on('error', this.onError);
  }

  /** Sends `command` + '\r'; resolves with the information lines (no echo, no OK, no URCs); rejects with AtError. */
  command(command: string, options: CommandOptions = {}): Promise<string[]> {
    return this.enqueue(command, null, options);
  }

  /**
   * AT+CMGS and friends: sends `command`, waits for the '> ' prompt, sends `body` + Ctrl-Z and
   * resolves with the lines (['+CMGS: 12']). A modem that answers ERROR / +CMS ERROR instead of
   * the prompt rejects it as usual; no prompt in time sends ESC and rejects with 'TIMEOUT'.
   */
  commandWithPrompt(command: string, body: string, options: CommandOptions = {}): Promise<string[]> {
    return this.enqueue(command, body, options);
  }

  /** Rejects everything queued and in flight with AtError kind 'CLOSED'; detaches from the port. */
  close(): void {
    this.shutdown('the engine was closed');
  }

  private enqueue(command: string, body: string | null, options: CommandOptions): Promise<string[]> {
    const text = command.trim();
    if (this.closedBecause !== null) return Promise.reject(new AtError('CLOSED', redact(text), this.closedBecause));
    return new Promise((resolve, reject) => {
      this.queue.push({
        command: text,
        body,
        prefix: (options.prefix ?? inferPrefix(text))?.toUpperCase() ?? null,
        timeoutMs: options.timeoutMs ?? this.timeoutMs,
        promptTimeoutMs: options.promptTimeoutMs ?? this.timeoutMs,
        phase: body === null ? 'response' : 'prompt',
        lines: [],
        expectBody: false,
        resolve,
        reject,
      });
      this.pump();
    });
  }

  private pump(): void {
    if (this.closedBecause !== null || this.current || this.stale) return;
    const job = this.queue.shift();
    if (!job) return;
    this.current = job;
    this.arm(job, job.phase === 'prompt' ? job.promptTimeoutMs : job.timeoutMs);
    this.write(`${job.command}\r`);
  }

  private arm(job: Job, ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onTimeout(job, ms), ms);
  }

  private write(data: string): void {
    try {
      this.port.write(data);
    } catch (err) {
      this.shutdown(`writing to the port failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private onTimeout(job: Job, ms: number): void {
    if (this.current !== job) return;
    this.current = null;
    this.timer = null;
    const noPrompt = job.phase === 'prompt';
    // Left at the prompt, the modem would take our next commands as the text of a message.
    if (noPrompt) this.write(ESC);
    job.reject(
      new AtError(
        'TIMEOUT',
        redact(job.command),
        noPrompt ? `no '> ' prompt within ${ms} ms (sent ESC to leave it)` : `no final result code within ${ms} ms`,
      ),
    );
    if (this.closedBecause !== null) return;
    this.stale = { timer: setTimeout(() => this.endStale(), this.lateGraceMs) };
  }

  private endStale(): void {
    if (!this.stale) return;
    clearTimeout(this.stale.timer);
    this.stale = null;
    this.pump();
  }

  private readonly onData = (chunk: Buffer | string): void => {
    if (this.closedBecause !== null) return;
    for (const frame of this.splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, 'latin1'))) {
      if (this.closedBecause !== null) return;
      this.onFrame(frame);
    }
  };

  private onFrame(frame: Frame): void {
    if (frame.kind === 'line') return this.onLine(frame.line);
    if (frame.kind === 'overflow') {
      this.dropTwoLine();
      this.emit('noise', frame.head);
      return;
    }
    const job = this.current;
    if (job && job.phase === 'prompt') {
      job.phase = 'response';
      this.arm(job, job.timeoutMs);
      this.write(`${job.body}${CTRL_Z}`);
      return;
    }
    // Text mode: the modem prompts again after each CR inside the body it is reading.
    if (job && job.body !== null) return;
    // A prompt nobody waits for (after a prompt timeout, or noise that looks like one): leave it,
    // or the modem takes the next command as message text.
    this.write(ESC);
    this.emit('noise', '> ');
  }

  private onLine(raw: string): void {
    // Classify on the printable text: modems pad with NULs after a reset, and echo the Ctrl-Z.
    const line = raw.replace(/[\x00-\x1f\x7f]/g, '').trim();
    if (this.twoLine) {
      const { complete } = this.twoLine;
      const urc = complete(raw);
      if (urc) {
        this.twoLine = null;
        this.emit('urc', urc);
        return;
      }
      this.dropTwoLine();
    }
    if (line === '') return;

    const job = this.current;
    if (job) return this.onResponseLine(job, raw, line);

    const final = finalResult(line);
    const match = final ? null : matchUrc(line);
    if (match) return this.onUrc(match, line);
    this.emit('noise', raw);
    if (final && this.stale) this.endStale();
  }

  private onResponseLine(job: Job, raw: string, line: string): void {
    const final = finalResult(line);
    if (final) return this.finish(job, final);
    const upper = line.toUpperCase();
    if (job.lines.length === 0 && (upper === job.command.toUpperCase() || (job.body !== null && upper === job.body.toUpperCase()))) {
      return; // the echo (ATE1) of the command, or of the body typed after '> '
    }
    if (job.expectBody) {
      job.expectBody = false;
      job.lines.push(raw);
      return;
    }
    if (job.prefix && upper.startsWith(job.prefix) && !(job.prefix === '+CREG:' && !isCregAnswer(fieldsAfter(line, '+CREG:')!))) {
      job.lines.push(raw);
      job.expectBody = PREFIXES_WITH_BODY.has(job.prefix);
      return;
    }
    const match = matchUrc(line);
    if (match) return this.onUrc(match, line);
    job.lines.push(raw);
  }

  private onUrc(match: UrcMatch, line: string): void {
    if (match.kind === 'urc') this.emit('urc', match.urc);
    else this.twoLine = { header: line, complete: match.complete };
  }

  /** A two-line URC whose second line never came (or was not one): its header is noise. */
  private dropTwoLine(): void {
    if (!this.twoLine) return;
    const { header } = this.twoLine;
    this.twoLine = null;
    this.emit('noise', header);
  }

  private finish(job: Job, final: Final): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.current = null;
    if (final.ok && job.phase === 'prompt') {
      // OK before '> ': the body was never sent, whatever the modem thinks it did.
      job.reject(new AtError('ERROR', redact(job.command), "the modem answered OK without the '> ' prompt: nothing was sent"));
    } else if (final.ok) job.resolve(job.lines);
    else job.reject(new AtError(final.kind, redact(job.command), final.message, final.code));
    this.pump();
  }

  private readonly onClose = (): void => this.shutdown('the port closed (unplugged?)');

  private readonly onError = (err?: unknown): void =>
    this.shutdown(`the port failed: ${err instanceof Error ? err.message : String(err)}`);

  private shutdown(reason: string): void {
    if (this.closedBecause !== null) return;
    this.closedBecause = reason;
    this.port.off('data', this.onData);
    this.port.off('close', this.onClose);
    this.port.off('error', this.onError);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.stale) clearTimeout(this.stale.timer);
    this.stale = null;
    this.twoLine = null;
    const jobs = this.current ? [this.current, ...this.queue] : [...this.queue];
    this.current = null;
    this.queue.length = 0;
    for (const job of jobs) job.reject(new AtError('CLOSED', redact(job.command), reason));
  }
}

/** 'AT+CPIN?' -> '+CPIN:', 'AT^SYSINFO' -> '^SYSINFO:'; basic commands (ATI, ATZ) have none. */
function inferPrefix(command: string): string | null {
  const match = /^AT([+^*$#%][A-Z0-9]+)/i.exec(command);
  return match ? `${match[1]}:` : null;
}

/** PINs and passwords stay out of error messages and logs. */
function redact(command: string): string {
  return command.replace(/^(AT\+(?:CPIN2?|CPWD|CLCK)=).*$/i, '$1…');
}

function finalResult(line: string): Final | null {
  const upper = line.toUpperCase();
  if (upper === 'OK') return { ok: true };
  if (upper === 'ERROR' || upper === 'COMMAND NOT SUPPORT') return { ok: false, kind: 'ERROR', message: `the modem answered ${line}` };
  for (const kind of ['CME', 'CMS'] as const) {
    if (upper.startsWith(`+${kind} ERROR:`)) {
      const { code, message } = describeError(kind, line.slice(`+${kind} ERROR:`.length));
      const label = code === undefined ? `+${kind} ERROR` : `+${kind} ERROR ${code}`;
      return { ok: false, kind, message: `${label}: ${message}`, ...(code === undefined ? {} : { code }) };
    }
  }
  if (upper === 'NO CARRIER' || upper === 'BUSY' || upper === 'NO ANSWER' || upper === 'NO DIALTONE') {
    return { ok: false, kind: upper, message: `the modem answered ${upper}` };
  }
  return null;
}
