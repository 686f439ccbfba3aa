/**
 * n8n's store settings from the environment (nodes/n8n/shared/settings.ts): the default, the
 * SMSGATE_STORE choices, n8n's own queue-mode Redis (QUEUE_BULL_REDIS_*) and SMSGATE_REDIS_URL,
 * the key prefix, and bad values refused naming the variable, never showing the password.
 * Then two credentials in one n8n process: one gateway.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Connection } from '../../nodes/n8n/shared/connection';
import type { ConnectionPool } from '../../nodes/n8n/shared/pool';
import type { hostSettingsFromEnv as HostSettingsFromEnv, storeFromEnv as StoreFromEnv } from '../../nodes/n8n/shared/settings';
import { connectionFrom, startSmsc, stopSmsc } from './helper';

const dist = join(__dirname, '..', '..', '..', 'dist');
/* eslint-disable @typescript-eslint/no-require-imports */
const { storeFromEnv, hostSettingsFromEnv } = require(join(dist, 'n8n', 'shared', 'settings.js')) as {
  storeFromEnv: typeof StoreFromEnv;
  hostSettingsFromEnv: typeof HostSettingsFromEnv;
};
const { connectionPool } = require(join(dist, 'n8n', 'shared', 'pool.js')) as { connectionPool(): ConnectionPool };
/* eslint-enable @typescript-eslint/no-require-imports */

const SECRET = 'p@ss:w/rd#1';

/** The error storeFromEnv throws for `env`, checked to name `variable` and not to show the password. */
function refusal(env: Record<string, string>, variable: string): string {
  let caught: (Error & { code?: string; field?: string }) | undefined;
  try {
    storeFromEnv({ QUEUE_BULL_REDIS_PASSWORD: SECRET, ...env }, () => SECRET);
  } catch (err) {
    caught = err as typeof caught;
  }
  assert.ok(caught, `${JSON.stringify(env)} was accepted`);
  assert.equal(caught.code, 'CONFIG_INVALID');
  assert.equal(caught.field, variable);
  assert.ok(caught.message.includes(variable), caught.message);
  assert.ok(!caught.message.includes(SECRET) && !caught.message.includes(encodeURIComponent(SECRET)), caught.message);
  return caught.message;
}

describe('n8n: the store from the environment', () => {
  it('is the default (sqlite in the user folder, memory without node:sqlite) when nothing is set', () => {
    assert.equal(storeFromEnv({}), undefined);
    const settings = hostSettingsFromEnv({ N8N_USER_FOLDER: '/srv/n8n' });
    assert.equal(settings.defaultPath, '/srv/n8n/.n8n/smsgate.db');
    assert.equal(settings.origin, 'n8n environment');
    assert.deepEqual(settings.section, { store: undefined, retention: {} });
  });

  it('takes SMSGATE_STORE=sqlite and memory, in any case', () => {
    assert.deepEqual(storeFromEnv({ SMSGATE_STORE: 'sqlite' }), { type: 'sqlite' });
    assert.deepEqual(storeFromEnv({ SMSGATE_STORE: 'Memory' }), { type: 'memory' });
  });

  it("with SMSGATE_STORE=redis, uses n8n's queue-mode Redis with n8n's defaults and smsgate's own prefix", () => {
    assert.deepEqual(storeFromEnv({ SMSGATE_STORE: 'redis' }), { type: 'redis', url: 'redis://localhost:6379/0', prefix: 'smsgate' });
  });

  it('builds the URL from QUEUE_BULL_REDIS_HOST, _PORT, _DB, _USERNAME and _PASSWORD, escaping what a URL cannot hold', () => {
    const env = {
      SMSGATE_STORE: 'redis',
      QUEUE_BULL_REDIS_HOST: 'redis.internal',
      QUEUE_BULL_REDIS_PORT: '6380',
      QUEUE_BULL_REDIS_DB: '3',
      QUEUE_BULL_REDIS_USERNAME: 'n8n',
      QUEUE_BULL_REDIS_PASSWORD: SECRET,
      SMSGATE_REDIS_PREFIX: 'sms:prod',
    };
    const store = storeFromEnv(env);
    assert.deepEqual(store, { type: 'redis', url: `redis://n8n:${encodeURIComponent(SECRET)}@redis.internal:6380/3`, prefix: 'sms:prod' });
    if (store?.type !== 'redis') throw new Error('not redis');
    const url = new URL(store.url);
    assert.deepEqual([decodeURIComponent(url.username), decodeURIComponent(url.password), url.hostname, url.port, url.pathname], ['n8n', SECRET, 'redis.internal', '6380', '/3']);
    assert.equal((storeFromEnv({ SMSGATE_STORE: 'redis', QUEUE_BULL_REDIS_PASSWORD: 'pw' }) as { url: string }).url, 'redis://:pw@localhost:6379/0');
    assert.equal((storeFromEnv({ SMSGATE_STORE: 'redis', QUEUE_BULL_REDIS_HOST: '::1' }) as { url: string }).url, 'redis://[::1]:6379/0');
  });

  it('turns QUEUE_BULL_REDIS_TLS on as rediss://, with n8n\'s TLS server name and certificate check', () => {
    assert.deepEqual(storeFromEnv({ SMSGATE_STORE: 'redis', QUEUE_BULL_REDIS_TLS: 'true' }), { type: 'redis', url: 'rediss://localhost:6379/0', prefix: 'smsgate' });
    assert.deepEqual(storeFromEnv({ SMSGATE_STORE: 'redis', QUEUE_BULL_REDIS_TLS: '1', QUEUE_BULL_REDIS_TLS_SERVERNAME: 'redis.example', QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE: 'false' }), {
      type: 'redis',
      url: 'rediss://localhost:6379/0',
      prefix: 'smsgate',
      tls: { servername: 'redis.example', rejectUnauthorized: false },
    });
    assert.equal((storeFromEnv({ SMSGATE_STORE: 'redis', QUEUE_BULL_REDIS_TLS: 'false' }) as { url: string }).url, 'redis://localhost:6379/0');
  });

  it('reads a QUEUE_BULL_REDIS_PASSWORD_FILE as n8n does, trimmed', () => {
    const read: string[] = [];
    const store = storeFromEnv({ SMSGATE_STORE: 'redis', QUEUE_BULL_REDIS_PASSWORD_FILE: '/run/secrets/redis' }, (path) => {
      read.push(path);
      return 'from-file\n';
    });
    assert.deepEqual(read, ['/run/secrets/redis']);
    assert.equal((store as { url: string }).url, 'redis://:from-file@localhost:6379/0');
  });

  it('takes SMSGATE_REDIS_URL, alone or with SMSGATE_STORE=redis, before the queue-mode settings', () => {
    assert.deepEqual(storeFromEnv({ SMSGATE_REDIS_URL: 'rediss://u:pw@cache:6390/2' }), { type: 'redis', url: 'rediss://u:pw@cache:6390/2', prefix: 'smsgate' });
    assert.deepEqual(storeFromEnv({ SMSGATE_STORE: 'redis', SMSGATE_REDIS_URL: 'redis://cache:6379', QUEUE_BULL_REDIS_HOST: 'other', SMSGATE_REDIS_PREFIX: 'x' }), {
      type: 'redis',
      url: 'redis://cache:6379',
      prefix: 'x',
    });
  });

  it('refuses bad values naming the variable, never with the password', () => {
    assert.match(refusal({ SMSGATE_STORE: 'postgres' }, 'SMSGATE_STORE'), /one of sqlite, memory, redis, got "postgres"/);
    assert.match(refusal({ SMSGATE_STORE: 'sqlite', SMSGATE_REDIS_URL: `redis://:${SECRET}@h:1` }, 'SMSGATE_STORE'), /SMSGATE_REDIS_URL is set but SMSGATE_STORE is "sqlite"/);
    assert.match(refusal({ SMSGATE_STORE: 'redis', QUEUE_BULL_REDIS_PORT: '70000' }, 'QUEUE_BULL_REDIS_PORT'), /from 1 to 65535, got "70000"/);
    assert.match(refusal({ SMSGATE_STORE: 'redis', QUEUE_BULL_REDIS_DB: 'one' }, 'QUEUE_BULL_REDIS_DB'), /whole number/);
    assert.match(refusal({ SMSGATE_STORE: 'redis', QUEUE_BULL_REDIS_TLS: 'yes' }, 'QUEUE_BULL_REDIS_TLS'), /true or false, got "yes"/);
    assert.match(refusal({ SMSGATE_STORE: 'redis', QUEUE_BULL_REDIS_CLUSTER_NODES: 'a:1,b:2' }, 'QUEUE_BULL_REDIS_CLUSTER_NODES'), /set SMSGATE_REDIS_URL/);
    assert.throws(
      () => storeFromEnv({ SMSGATE_STORE: 'redis', QUEUE_BULL_REDIS_PASSWORD_FILE: '/nope' }, () => {
        throw Object.assign(new Error(`ENOENT ${SECRET}`), { code: 'ENOENT' });
      }),
      (err: Error) => /QUEUE_BULL_REDIS_PASSWORD_FILE: cannot read \/nope \(ENOENT\)/.test(err.message) && !err.message.includes(SECRET),
    );
    assert.throws(() => hostSettingsFromEnv({ SMSGATE_RETENTION_FINAL_DAYS: '0' }), (err: Error & { field?: string }) => err.field === 'SMSGATE_RETENTION_FINAL_DAYS');
  });
});

describe('n8n: one gateway for the credentials of a process', function () {
  this.timeout(30_000);

  it('gives leases on two credentials (two SMSC accounts) the one gateway of the store, each on its own bind', async () => {
    const one = await startSmsc();
    const two = await startSmsc();
    const pool = connectionPool();
    const warn = { warn: () => undefined, error: () => undefined };
    const a = await pool.acquire(connectionFrom('smpp', one.credential) as Connection, 'send', { log: warn });
    const b = await pool.acquire(connectionFrom('smpp', two.credential) as Connection, 'receive', { log: warn });
    try {
      assert.notEqual(a.transportId, b.transportId);
      assert.equal(a.gateway, b.gateway, 'one gateway');
      assert.equal(one.smsc.sessions() + two.smsc.sessions(), 2);
      assert.equal(pool.linkOf(a.transportId)?.state, 'connected');
      assert.equal(pool.linkOf(b.transportId)?.state, 'connected');
    } finally {
      await a.release();
      await b.release();
    }
    await Promise.all([stopSmsc(one.smsc), stopSmsc(two.smsc)]);
  });
});
