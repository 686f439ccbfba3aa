/**
 * A terminal for the simulator tests: `serialport` on the pty, as the modem transport will open
 * it, with just enough AT handling to read responses: what arrives is kept as text and the tests
 * wait for patterns in it, never for time to pass.
 */
import { SerialPort } from 'serialport';
import { ModemSimulator, type ModemSimulatorOptions } from '../../../src/modem/simulator';

const running: ModemSimulator[] = [];
const terminals: Terminal[] = [];

/** A started simulator and a terminal open on it, both cleaned up by cleanUp(). */
export async function startModem(options: ModemSimulatorOptions = {}): Promise<{ sim: ModemSimulator; path: string; term: Terminal }> {
  const sim = new ModemSimulator(options);
  running.push(sim);
  const { path } = await sim.start();
  const term = await Terminal.open(path);
  return { sim, path, term };
}

export async function cleanUp(): Promise<void> {
  await Promise.all(terminals.splice(0).map((term) => term.close()));
  await Promise.all(running.splice(0).map((sim) => sim.stop()));
}

/** A final result code line (TS 27.007 / 27.005). */
const FINAL = /\r\n(OK|ERROR|\+CME ERROR: [^\r]*|\+CMS ERROR: [^\r]*)\r\n/;

export interface Response {
  /** The information lines (the echo removed when `echo` was given). */
  lines: string[];
  final: string;
  /** Everything from the command's echo to its final result. */
  raw: string;
}

export class Terminal {
  /** Everything received; `cursor` is where the next expect() starts looking. */
  text = '';
  cursor = 0;
  closeError: (Error & { disconnected?: boolean }) | null | undefined;
  private waiter: (() => void) | undefined;
  private closedResolve: (() => void) | undefined;
  readonly closed: Promise<void>;

  private constructor(readonly port: SerialPort) {
    this.closed = new Promise((resolve) => (this.closedResolve = resolve));
    port.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
      this.waiter?.();
    });
    port.on('close', (error?: Error & { disconnected?: boolean }) => {
      this.closeError = error ?? null;
      this.closedResolve!();
      this.waiter?.();
    });
    port.on('error', () => undefined);
  }

  static async open(path: string): Promise<Terminal> {
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    const term = new Terminal(port);
    terminals.push(term);
    return term;
  }

  write(data: string | Buffer): void {
    this.port.write(data);
  }

  /** Waits for `pattern` in what arrived after the cursor, moves the cursor past it. */
  async expect(pattern: RegExp, ms = 5000): Promise<RegExpExecArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const match = pattern.exec(this.text.slice(this.cursor));
      if (match !== null) {
        const start = this.cursor;
        this.cursor += match.index + match[0].length;
        match.index += start;
        return match;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.closeError !== undefined) {
        throw new Error(`no ${pattern} within ${ms} ms; received after the cursor: ${JSON.stringify(this.text.slice(this.cursor))}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
      });
    }
  }

  /** Sends `command` + CR and reads up to its final result code. */
  async at(command: string, ms = 5000): Promise<Response> {
    const start = this.cursor;
    this.write(`${command}\r`);
    const match = await this.expect(FINAL, ms);
    const raw = this.text.slice(start, this.cursor);
    const before = this.text.slice(start, match.index);
    const lines = before.split(/\r\n|\r/).filter((line) => line !== '' && line !== command);
    return { lines, final: match[1]!, raw };
  }

  /** Sends a prompt command, waits for '> ', sends `body` and `terminator` (Ctrl-Z by default). */
  async atPrompt(command: string, body: string, terminator = '\x1a'): Promise<Response> {
    const start = this.cursor;
    this.write(`${command}\r`);
    await this.expect(/\r\n> $/);
    this.write(`${body}${terminator}`);
    const match = await this.expect(FINAL);
    const raw = this.text.slice(start, this.cursor);
    const lines = this.text
      .slice(start, match.index)
      .split(/\r\n|\r/)
      .filter((line) => line !== '' && line !== command && !line.startsWith('> '));
    return { lines, final: match[1]!, raw };
  }

  /** ATE0 and AT+CMEE=1, as a transport starts. */
  async init(): Promise<void> {
    await this.at('ATE0');
    await this.at('AT+CMEE=1');
  }

  async close(): Promise<void> {
    if (this.port.isOpen) {
      await new Promise<void>((resolve) => this.port.close(() => resolve()));
    }
  }
}

/**
 * SMS-SUBMIT to +46708251358, "hellohello" GSM7, relative validity 0xAA: the worked example of
 * the dreamfabric.com "SMS and the PDU format" tutorial (an independent source, not our encoder).
 * TPDU length 23. With SRR the first octet is 0x31 instead of 0x11.
 */
export const HELLO_SUBMIT = { hex: '0011000B916407281553F80000AA0AE8329BFD4697D9EC37', tpduLength: 23 };
export const HELLO_SUBMIT_SRR = { hex: '0031000B916407281553F80000AA0AE8329BFD4697D9EC37', tpduLength: 23 };
