/**
 * A pty pair from openpty(3) in this process, through @lydell/node-pty's prebuilt binding. Its
 * public open() would read the slave side in this process and so steal the client's bytes; the
 * binding's open() gives the bare file descriptors, and the slave stays open here unread, so
 * the master never reads EIO while no client has the port open.
 */
import { closeSync } from 'node:fs';
import { symlink } from 'node:fs/promises';
import { ReadStream } from 'node:tty';
import { SmsGateError } from '../../errors';
import { Pty } from './pty';

interface NativePtyBinding {
  open(cols: number, rows: number): { master: number; slave: number; pty: string };
}

class NativePty extends Pty {
  readonly provider = 'node-pty';
  private ended = false;

  constructor(
    link: string,
    private readonly master: ReadStream,
    /** The slave, held open and never read; its termios is the client's until it sets its own. */
    private readonly slave: ReadStream,
  ) {
    super(link);
    master.on('data', (chunk: Buffer) => this.received(chunk));
    master.on('error', (err: Error) => this.lost(`the pty master failed: ${err.message}`));
    master.on('close', () => this.lost('the pty master closed'));
  }

  protected send(data: Buffer): void {
    if (!this.ended) this.master.write(data);
  }

  protected async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.master.destroy();
    this.slave.destroy();
  }

  private lost(reason: string): void {
    if (this.ended) return;
    void this.end();
    this.emit('exit', reason);
  }
}

/** The pty, or why this provider is not there (a sentence for the error that lists them all). */
export async function openNativePty(link: string): Promise<Pty | string> {
  let binding: NativePtyBinding;
  try {
    // requireBinary picks @lydell/node-pty-<platform>-<arch>, the package npm installed for this machine.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { requireBinary } = require('@lydell/node-pty/requireBinary') as { requireBinary(file: string): NativePtyBinding };
    binding = requireBinary('pty.node');
  } catch (err) {
    return `@lydell/node-pty is not installed for ${process.platform}-${process.arch} (${firstLine(err)})`;
  }
  let fds: { master: number; slave: number; pty: string };
  try {
    fds = binding.open(80, 24);
  } catch (err) {
    throw new SmsGateError('TRANSPORT_UNAVAILABLE', `openpty failed: ${firstLine(err)}`, { field: 'pty', cause: err });
  }
  const slave = new ReadStream(fds.slave);
  // libuv reopens a slave by its name to make it non-blocking; the descriptor it was given is then a spare.
  const held = (slave as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (held !== undefined && held >= 0 && held !== fds.slave) closeSync(fds.slave);
  // Raw, no echo: what a serial line is before a client sets it up (serialport sets the same).
  slave.setRawMode(true);
  const pty = new NativePty(link, new ReadStream(fds.master), slave);
  try {
    await symlink(fds.pty, link);
  } catch (err) {
    await pty.close();
    throw new SmsGateError('TRANSPORT_UNAVAILABLE', `cannot create the pty link ${link}: ${firstLine(err)}`, { field: 'link', cause: err });
  }
  return pty;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
