/**
 * What only the Redis store has to show (the shared contract is in store.test.ts): a bad
 * configuration refused at open() naming the field, never a hang and never the password; calls
 * failing at once with STORE_UNAVAILABLE while Redis is down and working again once it is back;
 * and no accepted message lost when Redis restarts (AOF) or is killed under appendfsync always.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmsGateError } from '../../src/errors';
import { RedisStore } from '../../src/store/redis';
import { sampleRecord } from '../helpers/records';
import { until } from '../helpers/until';
import { freePort, RedisServer } from '../helpers/redis-server';
import { selfSignedCertificate } from '../helpers/tls';

const PASSWORD = 'Very$ecret-pa55';
const NOW = 1_700_000_000_000;

/** Runs `work`, which must fail with an SmsGateError; returns it. */
async function failure(work: () => Promise<unknown>): Promise<SmsGateError> {
  try {
    await work();
  } catch (err) {
    assert.ok(err instanceof SmsGateError, `expected an SmsGateError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected it to fail');
}

/** Opens a store on `url` that must be refused; checks the code, field and that no password shows. */
async function refusedAtOpen(options: ConstructorParameters<typeof RedisStore>[0], code: string, field: string, says: RegExp): Promise<SmsGateError> {
  const err = await failure(async () => {
    const store = new RedisStore(options);
    await store.open();
    await store.close();
  });
  assert.equal(err.code, code, err.message);
  assert.equal(err.field, field, err.message);
  assert.match(err.message, says);
  assert.ok(err.message.startsWith(`${field}: `), err.message);
  for (const text of [err.message, JSON.stringify(err), String(err.stack)]) {
    assert.ok(!text.includes(PASSWORD) && !text.includes(encodeURIComponent(PASSWORD)), `the password shows in: ${text}`);
  }
  return err;
}

describe('redis store: bad configuration is refused at open, naming the field', () => {
  let server: RedisServer;
  before(async () => (server = await RedisServer.start({ requirepass: PASSWORD })));
  after(async () => server.dispose());

  it('opens with the right password and database, and works', async () => {
    const store = new RedisStore({ url: server.url(3), prefix: 'ok' });
    await store.open();
    const record = sampleRecord();
    await store.insertMessage(record);
    assert.equal((await store.getMessage(record.id))?.id, record.id);
    await store.close();
  });

  it('refuses a malformed URL before connecting, naming store.url without the password', async () => {
    for (const url of [`redis//:${PASSWORD}@127.0.0.1:6379`, `http://:${PASSWORD}@127.0.0.1:6379`, `redis://:${PASSWORD}@127.0.0.1:6379/zero`, 'redis://:6379']) {
      const err = await failure(async () => new RedisStore({ url }));
      assert.equal(err.code, 'CONFIG_INVALID', url);
      assert.equal(err.field, 'store.url');
      assert.ok(!err.message.includes(PASSWORD), err.message);
    }
    const err = await failure(async () => new RedisStore({ url: server.url(), prefix: 'a{b}' }));
    assert.equal(err.field, 'store.prefix');
  });

  it('refuses a wrong password, naming store.url and never showing either password', async () => {
    const wrong = `redis://:${encodeURIComponent(PASSWORD)}x@127.0.0.1:${server.port}`;
    await refusedAtOpen({ url: wrong }, 'CONFIG_INVALID', 'store.url', /password was refused/);
    await refusedAtOpen({ url: server.url(undefined, '') }, 'CONFIG_INVALID', 'store.url', /password was refused/);
  });

  it('refuses a database out of range', async () => {
    await refusedAtOpen({ url: server.url(999) }, 'CONFIG_INVALID', 'store.url', /database number is out of range/);
  });

  it('refuses a port nothing listens on, as unavailable', async () => {
    const port = await freePort();
    await refusedAtOpen({ url: `redis://:${PASSWORD}@127.0.0.1:${port}` }, 'STORE_UNAVAILABLE', 'store.url', /connection refused/);
  });

  it('refuses TLS toward a plain Redis port in bounded time', async () => {
    const url = server.url().replace('redis://', 'rediss://');
    await refusedAtOpen({ url }, 'CONFIG_INVALID', 'store.url', /no TLS handshake/);
  });
});

describe('redis store: TLS', () => {
  let dir: string;
  let server: RedisServer;
  let tlsPort: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-redis-tls-'));
    const { key, cert } = selfSignedCertificate();
    writeFileSync(join(dir, 'key.pem'), key);
    writeFileSync(join(dir, 'cert.pem'), cert);
    tlsPort = await freePort();
    server = await RedisServer.start({
      requirepass: PASSWORD,
      args: ['--tls-port', String(tlsPort), '--tls-cert-file', join(dir, 'cert.pem'), '--tls-key-file', join(dir, 'key.pem'), '--tls-auth-clients', 'no'],
    });
  });

  after(async () => {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const tlsUrl = () => `rediss://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${tlsPort}`;

  it('opens rediss:// with the CA that signed the certificate, and works', async () => {
    const store = new RedisStore({ url: tlsUrl(), prefix: 'tls', tls: { ca: join(dir, 'cert.pem') } });
    await store.open();
    await store.writeNote('k', 'v');
    assert.equal(await store.readNote('k'), 'v');
    await store.close();
  });

  it('refuses a certificate no CA it was given vouches for, naming store.tls.ca', async () => {
    await refusedAtOpen({ url: tlsUrl() }, 'CONFIG_INVALID', 'store.tls.ca', /not trusted/);
  });

  it('refuses a CA file that cannot be read, naming store.tls.ca', async () => {
    await refusedAtOpen({ url: tlsUrl(), tls: { ca: join(dir, 'missing.pem') } }, 'CONFIG_INVALID', 'store.tls.ca', /cannot read/);
  });
});

/**
 * A server that speaks just enough RESP to pass for an old Redis: the unit seam for "too old",
 * since no old redis-server is at hand. `hello` false: it does not know HELLO (Redis < 6).
 */
function fakeRedis(version: string, hello: boolean): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    let pending = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      for (let command = takeCommand(); command !== undefined; command = takeCommand()) {
        const name = command[0]?.toUpperCase();
        if (name === 'HELLO') socket.write(hello ? '%1\r\n+server\r\n+redis\r\n' : "-ERR unknown command 'HELLO'\r\n");
        else if (name === 'INFO') {
          const info = `# Server\r\nredis_version:${version}\r\n`;
          socket.write(`$${Buffer.byteLength(info)}\r\n${info}\r\n`);
        } else socket.write('+OK\r\n');
      }
    });
    socket.on('error', () => undefined);
    /** One whole command (an array of bulk strings) off the front of `pending`, if there is one. */
    function takeCommand(): string[] | undefined {
      const lines = pending.split('\r\n');
      const count = Number(lines[0]?.slice(1));
      if (!lines[0]?.startsWith('*') || lines.length < 1 + 2 * count + 1) return undefined;
      const args = Array.from({ length: count }, (_, i) => lines[2 + 2 * i]!);
      pending = lines.slice(1 + 2 * count).join('\r\n');
      return args;
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

describe('redis store: a Redis too old is refused', () => {
  for (const [version, hello] of [['6.2.14', true], ['5.0.14', false]] as const) {
    it(`refuses Redis ${version}, naming store.url and the version it needs`, async () => {
      const { server, port } = await fakeRedis(version, hello);
      try {
        await refusedAtOpen({ url: `redis://127.0.0.1:${port}` }, 'STORE_ERROR', 'store.url', /needs 7\.0\.0 or later/);
      } finally {
        server.close();
      }
    });
  }
});

describe('redis store: while Redis is down', () => {
  let server: RedisServer;
  let store: RedisStore;
  before(async () => (server = await RedisServer.start({ requirepass: PASSWORD })));
  after(async () => server.dispose());
  beforeEach(async () => {
    if (!server.running) await server.start();
    store = new RedisStore({ url: server.url(), prefix: `down-${Math.random().toString(36).slice(2)}` });
    await store.open();
  });
  afterEach(async () => store.close());

  it('fails each call at once with STORE_UNAVAILABLE, and works again once Redis is back', async () => {
    const before = sampleRecord();
    await store.insertMessage(before);
    await server.stop('SIGTERM');
    const calls: [string, () => Promise<unknown>][] = [
      ['insertMessage', () => store.insertMessage(sampleRecord())],
      ['getMessage', () => store.getMessage(before.id)],
      ['claimDue', () => store.claimDue(NOW, 10, 'a', 30_000)],
      ['takeQuota', () => store.takeQuota([{ key: 'k', windowMs: 1000, max: 1 }], NOW, 't')],
      ['isOptedOut', () => store.isOptedOut('+447400123456')],
      ['countByState', () => store.countByState()],
    ];
    // Many at once: none waits for Redis to come back (there is no offline queue to pile up in).
    const errors = await Promise.all(calls.flatMap(([name, call]) => Array.from({ length: 20 }, () => failure(call).then((err) => [name, err] as const))));
    for (const [name, err] of errors) {
      assert.equal(err.code, 'STORE_UNAVAILABLE', `${name}: ${err.message}`);
      assert.ok(!err.message.includes(PASSWORD), err.message);
    }
    assert.ok(store.lastError === undefined || !store.lastError.message.includes(PASSWORD));

    await server.start();
    // The client reconnects by itself, in the background.
    await until(() => store.connected, 10_000, 'the store to reconnect');
    assert.equal((await store.getMessage(before.id))?.id, before.id, 'the message stored before the restart is there');
    const after = sampleRecord();
    assert.equal((await store.insertMessage(after)).created, true);
    assert.deepEqual(await store.countByState(), { QUEUED: 2 });
  });
});

describe('redis store: Redis restarted or killed mid-run (appendonly yes, appendfsync always)', () => {
  let server: RedisServer;
  before(async () => (server = await RedisServer.start({ appendfsync: 'always' })));
  after(async () => server.dispose());

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`loses no accepted message when Redis is stopped with ${signal} and started again`, async function () {
      this.timeout(60_000);
      if (!server.running) await server.start();
      const store = new RedisStore({ url: server.url(), prefix: `restart-${signal}` });
      await store.open();
      const accepted: string[] = [];
      let failed = 0;
      let restarted: Promise<void> | undefined;
      const total = 1500;
      // Inserts one after another; at 400 accepted, Redis goes down and comes back while they go on.
      for (let i = 0; accepted.length < total && i < 10 * total; i++) {
        const record = sampleRecord({ id: `r${i}`, nextAttemptAt: NOW });
        if (accepted.length === 400 && restarted === undefined) {
          restarted = server.stop(signal).then(() => server.start());
        }
        try {
          await store.insertMessage(record);
          accepted.push(record.id);
        } catch (err) {
          assert.equal((err as SmsGateError).code, 'STORE_UNAVAILABLE', (err as Error).message);
          failed++;
          // Redis is coming back: go on once it is and the store has reconnected.
          await restarted;
          await until(() => store.connected, 10_000, 'the store to reconnect');
        }
      }
      await restarted;
      assert.equal(accepted.length, total, `accepted ${accepted.length}, ${failed} refused while down`);
      assert.ok(failed > 0, 'some inserts were refused while Redis was down');
      const found = await store.messageStates(accepted);
      assert.deepEqual(accepted.filter((id) => !found.has(id)), [], 'every accepted message is there after the restart');
      const counts = await store.countByState();
      console.log(`      ${signal}: ${accepted.length} accepted, ${failed} refused while down, ${counts.QUEUED} stored`);
      // An insert that failed while Redis went down may still have been applied (its reply lost).
      assert.ok(counts.QUEUED! >= total && counts.QUEUED! <= total + failed, JSON.stringify(counts));
      await store.close();
    });
  }
});
