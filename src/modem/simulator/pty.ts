/**
 * The pseudo-terminal: Node cannot open a pty master without native code, so socat holds it
 * (`pty,rawer,echo=0,link=<link>`) and ties it to its own stdin/stdout, which the simulator reads
 * and writes. The client opens the link like any serial device. `rawer` rather than `raw`:
 * socat 1.7.4 calls `raw` obsolete and later versions drop it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { lstat, readlink, unlink } from 'node:fs/promises';
import { SmsGateError } from '../../errors';

const LINK_TIMEOUT_MS = 5000;
const LINK_POLL_MS = 5;
/**
 * How long the line must be idle before socat is killed. A pty slave whose master closes reads
 * as EOF (0 bytes), as a hung-up USB tty does; serialport (bindings-cpp unixRead) retries a
 * 0-byte read at once, forever, so a client whose read is in flight at that moment never sees the
 * port close. A client idle for this long is parked in poll(), which reports the hang-up; 200 ms
 * rather than less, because a client starved of CPU (a loaded CI machine) may still be reading.
 */
const QUIET_BEFORE_CLOSE_MS = 200;
const MAX_QUIET_WAIT_MS = 1000;

export interface PtyEvents {
  data: [Buffer];
  /** socat ended without close() being called. */
  exit: [string];
}

export class SocatPty extends EventEmitter<PtyEvents> {
  private closing = false;
  private exited = false;
  private lastTraffic = Date.now();

  private constructor(
    private readonly socat: ChildProcessWithoutNullStreams,
    readonly link: string,
  ) {
    super();
    socat.stdout.on('data', (chunk: Buffer) => {
      this.lastTraffic = Date.now();
      this.emit('data', chunk);
    });
    // A write racing socat's death would otherwise be an unhandled EPIPE.
    socat.stdin.on('error', () => undefined);
    socat.on('exit', (code, signal) => {
      this.exited = true;
      if (!this.closing) this.emit('exit', `socat exited (${signal ?? `code ${code}`})`);
    });
  }

  /** Starts socat and resolves once `link` points at the pty slave. */
  static async open(link: string): Promise<SocatPty> {
    // A link left by a simulator that was killed would look ready before socat replaces it.
    await removeLink(link);
    const socat = spawn('socat', ['-d', `pty,rawer,echo=0,link=${link}`, 'STDIO'], { stdio: 'pipe' });
    let stderr = '';
    socat.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const failed = new Promise<never>((_, reject) => {
      socat.once('error', (error: NodeJS.ErrnoException) => {
        const message =
          error.code === 'ENOENT'
            ? 'the modem simulator needs socat for its pseudo-terminal and it is not installed ' +
              '(Debian/Ubuntu: apt-get install -y socat; macOS: brew install socat)'
            : `the modem simulator cannot start socat: ${error.message}`;
        reject(new SmsGateError('TRANSPORT_UNAVAILABLE', message, { field: 'socat', cause: error }));
      });
      socat.once('exit', (code, signal) =>
        reject(
          new SmsGateError(
            'TRANSPORT_UNAVAILABLE',
            `socat stopped (${signal ?? `exit code ${code}`}) before creating the pty link ${link}: ${stderr.trim() || 'no message'}`,
            { field: 'link' },
          ),
        ),
      );
    });
    failed.catch(() => undefined);
    const pty = new SocatPty(socat, link);
    try {
      await Promise.race([failed, waitForLink(link)]);
    } catch (error) {
      await pty.close();
      throw error;
    }
    socat.removeAllListeners('error');
    socat.on('error', () => undefined);
    return pty;
  }

  write(data: string | Buffer): void {
    if (this.exited) return;
    this.lastTraffic = Date.now();
    this.socat.stdin.write(data);
  }

  /** Ends socat (which removes the link) and makes sure the link is gone. */
  async close(): Promise<void> {
    this.closing = true;
    const giveUp = Date.now() + MAX_QUIET_WAIT_MS;
    for (let idle = Date.now() - this.lastTraffic; idle < QUIET_BEFORE_CLOSE_MS && Date.now() < giveUp; idle = Date.now() - this.lastTraffic) {
      await new Promise((resolve) => setTimeout(resolve, QUIET_BEFORE_CLOSE_MS - idle));
    }
    if (!this.exited && this.socat.exitCode === null && this.socat.signalCode === null) {
      const exited = once(this.socat, 'exit');
      this.socat.kill('SIGTERM');
      const timer = setTimeout(() => this.socat.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }
    await removeLink(this.link);
  }
}

async function waitForLink(link: string): Promise<void> {
  const deadline = Date.now() + LINK_TIMEOUT_MS;
  for (;;) {
    try {
      const target = await readlink(link);
      if (target.startsWith('/dev/')) return;
    } catch {
      // Not there yet, or an old link socat has not replaced yet.
    }
    if (Date.now() > deadline) {
      throw new SmsGateError('TRANSPORT_UNAVAILABLE', `socat did not create the pty link ${link} within ${LINK_TIMEOUT_MS} ms`, {
        field: 'link',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, LINK_POLL_MS));
  }
}

/** Removes `link` if it is still a symlink (socat killed hard leaves it behind); never a real file. */
async function removeLink(link: string): Promise<void> {
  try {
    if ((await lstat(link)).isSymbolicLink()) await unlink(link);
  } catch {
    // Already gone.
  }
}
