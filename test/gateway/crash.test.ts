import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createGateway, loadConfigFile } from '../../src';

const CHILD = join(__dirname, '..', 'fixtures', 'accept-forever.js');
/** The killed process's lease: what it had claimed is taken by the restarted one after this. */
const LEASE_MS = 2000;

function writeConfig(dir: string, name: string, loopback: Record<string, unknown>): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      store: { type: 'sqlite', path: 'gateway.db' },
      guard: { perRecipient: false, perPrefix: false },
      transports: [{ id: 'lb', type: 'loopback', ...loopback }],
    }),
  );
  return path;
}

/** Runs the child until it has printed `killAfter` accepted ids, then SIGKILLs it. */
function acceptThenKill(configPath: string, total: number, killAfter: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, configPath, String(total), String(LEASE_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ids: string[] = [];
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line !== 'ALL') ids.push(line);
      if (ids.length >= killAfter && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`the child ended by itself (${signal ?? _code}) before the kill`));
      else resolve(ids);
    });
  });
}

/** QUEUED messages under a lease that has not lapsed yet, read from the file directly. */
function leasedAt(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return Number(db.prepare("SELECT COUNT(*) AS n FROM messages WHERE state = 'QUEUED' AND lease_until > ?").get(Date.now())!.n);
  } finally {
    db.close();
  }
}

describe('crash safety (sqlite store, SIGKILL)', function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-crash-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('submits every accepted message after the process is killed and restarted, those it held once their leases lapse', async () => {
    // Submits take a minute, so the killed process submits nothing it accepted; it holds the
    // leases of those it handed its transport, which the restarted process takes after they lapse.
    const slow = writeConfig(dir, 'slow.json', { submitDelayMs: 60_000 });
    const accepted = await acceptThenKill(slow, 1000, 200);
    assert.ok(accepted.length >= 200, `accepted ${accepted.length}`);

    const held = leasedAt(join(dir, 'gateway.db'));
    assert.ok(held > 0, 'the killed process held leases (else their lapse is not tested)');
    const log = join(dir, 'sent.jsonl');
    const restarted = createGateway(loadConfigFile(writeConfig(dir, 'fast.json', { log })), { pollMs: 50, leaseMs: LEASE_MS });
    await restarted.start();
    try {
      for (const id of accepted) {
        const message = await restarted.waitFor(id, 'submitted', 20_000);
        assert.ok(['SUBMITTED', 'DELIVERED'].includes(message.state), `message ${id} is ${message.state}`);
      }
    } finally {
      await restarted.stop();
    }
    assert.equal(leasedAt(join(dir, 'gateway.db')), 0);
    const sent = new Set(
      readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { id: string }).id),
    );
    const missing = accepted.filter((id) => !sent.has(id));
    assert.deepEqual(missing, [], 'every accepted message reached the transport');
  });
});
