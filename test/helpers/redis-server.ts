/**
 * A real redis-server (from PATH) for tests: on a free loopback port, in a temporary directory,
 * with AOF on; ready once it answers PING (polled, bounded), stopped with SIGTERM, and started
 * again on the same port and directory (to test what the AOF brings back).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServerOptions {
  /** `always` for tests of what survives a kill; default `everysec`. */
  appendfsync?: 'always' | 'everysec' | 'no';
  requirepass?: string;
  /** Extra arguments (a TLS port and its files). */
  args?: string[];
}

export class RedisServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'smsgate-redis-'));
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    private readonly options: RedisServerOptions,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), options);
    await server.start();
    return server;
  }

  /** `redis://[:password@]127.0.0.1:port[/db]`. */
  url(db?: number, password = this.options.requirepass): string {
    const auth = password === undefined ? '' : `:${encodeURIComponent(password)}@`;
    return `redis://${auth}127.0.0.1:${this.port}${db === undefined ? '' : `/${db}`}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts it (again, on the same port and directory: the AOF there is loaded). */
  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--save', ''];
    args.push('--appendfsync', this.options.appendfsync ?? 'everysec');
    if (this.options.requirepass !== undefined) args.push('--requirepass', this.options.requirepass);
    args.push(...(this.options.args ?? []));
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.output = (this.output + chunk).slice(-4000)));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.output = (this.output + chunk).slice(-4000)));
    await this.untilAnswers(10_000);
  }

  /** Stops it with `signal` (SIGTERM: a clean shutdown; SIGKILL: a crash) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  /** Hangs it (SIGSTOP): its connections stay open and nothing is answered, until `resume`. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Stops it and removes its directory. */
  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Polls PING on the port every 20 ms until it answers PONG (or NOAUTH: it is up), for at most `ms`. */
  private async untilAnswers(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (!this.running) throw new Error(`redis-server exited: ${this.output}`);
      if (await pings(this.port)) return;
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not answer within ${ms} ms: ${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Whether a Redis answers on the port (PONG, or NOAUTH when it wants a password; LOADING is not ready). */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      reply += chunk;
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}

/** A loopback port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
