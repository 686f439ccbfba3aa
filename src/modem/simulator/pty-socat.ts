/**
 * A pty pair held by socat (`pty,rawer,echo=0,link=<link>`), tied to socat's stdin/stdout, which
 * the simulator writes and reads. `rawer` rather than `raw`: socat 1.7.4 calls `raw` obsolete and
 * later versions drop it. For installs without @lydell/node-pty.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readlink } from 'node:fs/promises';
import { SmsGateError } from '../../errors';
import { Pty } from './pty';

const LINK_TIMEOUT_MS = 5000;
const LINK_POLL_MS = 5;

class SocatPty extends Pty {
  readonly provider = 'socat';
  private closing = false;
  private exited = false;

  constructor(
    private readonly socat: ChildProcessWithoutNullStreams,
    link: string,
  ) {
    super(link);
    socat.stdout.on('data', (chunk: Buffer) => this.received(chunk));
    // A write racing socat's death would otherwise be an unhandled EPIPE.
    socat.stdin.on('error', () => undefined);
    socat.on('exit', (code, signal) => {
      this.exited = true;
      if (!this.closing) this.emit('exit', `socat exited (${signal ?? `code ${code}`})`);
    });
  }

  protected send(data: Buffer): void {
    if (!this.exited) this.socat.stdin.write(data);
  }

  /** Ends socat, which removes its link. */
  protected async end(): Promise<void> {
    this.closing = true;
    if (this.exited || this.socat.exitCode !== null || this.socat.signalCode !== null) return;
    const exited = once(this.socat, 'exit');
    this.socat.kill('SIGTERM');
    const timer = setTimeout(() => this.socat.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
}

/** Starts socat and resolves once `link` points at the pty slave; a sentence when socat is not installed. */
export async function openSocatPty(link: string): Promise<Pty | string> {
  const socat = spawn('socat', ['-d', `pty,rawer,echo=0,link=${link}`, 'STDIO'], { stdio: 'pipe' });
  let stderr = '';
  socat.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const failed = new Promise<never>((_, reject) => {
    socat.once('error', reject);
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
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'socat is not installed';
    if (error instanceof SmsGateError) throw error;
    throw new SmsGateError('TRANSPORT_UNAVAILABLE', `the modem simulator cannot start socat: ${(error as Error).message}`, {
      field: 'pty',
      cause: error,
    });
  }
  socat.removeAllListeners('error');
  socat.on('error', () => undefined);
  return pty;
}

async function waitForLink(link: string): Promise<void> {
  const deadline = Date.now() + LINK_TIMEOUT_MS;
  for (;;) {
    try {
      const target = await readlink(link);
      if (target.startsWith('/dev/')) return;
    } catch {
      // Not there yet.
    }
    if (Date.now() > deadline) {
      throw new SmsGateError('TRANSPORT_UNAVAILABLE', `socat did not create the pty link ${link} within ${LINK_TIMEOUT_MS} ms`, {
        field: 'link',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, LINK_POLL_MS));
  }
}
