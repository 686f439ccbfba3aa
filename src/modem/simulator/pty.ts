/**
 * The simulator's pseudo-terminal: the modem reads and writes the master side, the client opens
 * `link` (a symlink to the slave, /dev/pts/N) like any serial device. Node cannot open a pty pair
 * without native code, so it comes from one of two places, tried in this order:
 *
 * - `node-pty`: openpty(3) from @lydell/node-pty, node-pty with its binaries prebuilt in npm
 *   packages (linux, macOS; x64, arm64), so `npm install --ignore-scripts` is all it takes. A
 *   devDependency: the tests always have it; an installed smsgate has it when installed beside.
 * - `socat`: the socat command, for installs without node-pty.
 *
 * SMSGATE_MODEM_PTY=node-pty or =socat picks one and fails rather than fall back (tests use it).
 */
import { EventEmitter } from 'node:events';
import { lstat, unlink } from 'node:fs/promises';
import { SmsGateError } from '../../errors';

export type PtyProvider = 'node-pty' | 'socat';
export const PTY_PROVIDERS: readonly PtyProvider[] = ['node-pty', 'socat'];

export interface PtyEvents {
  data: [Buffer];
  /** The pty ended without close() being called. */
  exit: [string];
}

/** One pty pair, its slave reachable at `link` until close(). */
export abstract class Pty extends EventEmitter<PtyEvents> {
  abstract readonly provider: PtyProvider;
  private lastTraffic = Date.now();

  constructor(readonly link: string) {
    super();
  }

  write(data: Buffer): void {
    this.lastTraffic = Date.now();
    this.send(data);
  }

  /**
   * Ends the pty, which hangs up the client's port as an unplugged USB modem does, and removes the
   * link. First waits until the line has been idle a moment: a pty slave whose master closes reads
   * as EOF (0 bytes), and serialport (bindings-cpp unixRead) retries a 0-byte read at once,
   * forever, so a client whose read is in flight at that moment never sees the port close. A
   * client idle for QUIET_BEFORE_CLOSE_MS is parked in poll(), which reports the hang-up; 200 ms
   * rather than less, because a client starved of CPU (a loaded CI machine) may still be reading.
   */
  async close(): Promise<void> {
    const giveUp = Date.now() + MAX_QUIET_WAIT_MS;
    for (let idle = Date.now() - this.lastTraffic; idle < QUIET_BEFORE_CLOSE_MS && Date.now() < giveUp; idle = Date.now() - this.lastTraffic) {
      await new Promise((resolve) => setTimeout(resolve, QUIET_BEFORE_CLOSE_MS - idle));
    }
    await this.end();
    await removeLink(this.link);
  }

  /** For the providers: bytes that arrived from the client. */
  protected received(chunk: Buffer): void {
    this.lastTraffic = Date.now();
    this.emit('data', chunk);
  }

  protected abstract send(data: Buffer): void;
  protected abstract end(): Promise<void>;
}

const QUIET_BEFORE_CLOSE_MS = 200;
const MAX_QUIET_WAIT_MS = 1000;

/** Opens a pty pair with the first provider this machine has, its slave linked at `link`. */
export async function openPty(link: string): Promise<Pty> {
  // A link left by a simulator that was killed would otherwise point at a stale pty.
  await removeLink(link);
  const wanted = process.env.SMSGATE_MODEM_PTY;
  if (wanted !== undefined && wanted !== '' && !(PTY_PROVIDERS as readonly string[]).includes(wanted)) {
    throw new SmsGateError('OPTION_INVALID', `SMSGATE_MODEM_PTY must be ${PTY_PROVIDERS.join(' or ')}, got ${JSON.stringify(wanted)}`, {
      field: 'SMSGATE_MODEM_PTY',
    });
  }
  const providers = wanted ? [wanted as PtyProvider] : PTY_PROVIDERS;
  const missing: string[] = [];
  for (const provider of providers) {
    // Loaded on demand: an installed smsgate has neither unless the simulator runs.
    const pty =
      provider === 'node-pty'
        ? await (await import('./pty-native')).openNativePty(link)
        : await (await import('./pty-socat')).openSocatPty(link);
    if (typeof pty !== 'string') return pty;
    missing.push(pty);
  }
  throw new SmsGateError(
    'TRANSPORT_UNAVAILABLE',
    `the modem simulator needs a pseudo-terminal and cannot make one: ${missing.join('; ')}. ` +
      'Install @lydell/node-pty beside smsgate (npm install @lydell/node-pty), or socat ' +
      '(Debian/Ubuntu: apt-get install -y socat; macOS: brew install socat)',
    { field: 'pty' },
  );
}

/** Removes `link` if it is a symlink (a killed simulator leaves it behind); never a real file. */
export async function removeLink(link: string): Promise<void> {
  try {
    if ((await lstat(link)).isSymbolicLink()) await unlink(link);
  } catch {
    // Already gone.
  }
}
