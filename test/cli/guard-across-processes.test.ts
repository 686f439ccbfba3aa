/**
 * The guard's rate caps count in the store: separate `smsgate send` processes on one sqlite
 * file, or one real redis-server, share them, and a process started later (a restart) still sees
 * what was counted.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer } from '../helpers/redis-server';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli', 'main.js');

interface Run {
  code: number;
  result: { id: string; state: string; error?: { code: string; message: string } };
}

for (const kind of ['sqlite', 'redis'] as const) describe(`smsgate send: guard caps shared by processes (${kind} store)`, function () {
  this.timeout(180_000);
  let dir: string;
  let redis: RedisServer | undefined;

  before(async () => {
    if (kind === 'redis') redis = await RedisServer.start();
  });
  after(async () => redis?.dispose());
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'smsgate-cli-guard-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function send(config: string, text: string): Promise<Run> {
    const args = [CLI, 'send', '--config', config, '--to', '+447400123456', '--text', text, '--json', '--timeout', '30'];
    return new Promise((resolve, reject) => {
      execFile(process.execPath, args, (err, stdout, stderr) => {
        const code = err === null ? 0 : (err as { code?: unknown }).code;
        if (typeof code !== 'number') return reject(err);
        try {
          resolve({ code, result: JSON.parse(stdout) as Run['result'] });
        } catch {
          reject(new Error(`no JSON from smsgate send (exit ${code}): ${stdout} ${stderr}`));
        }
      });
    });
  }

  it('25 sends to one number from 25 processes on one store: 20 pass the 20-per-hour cap, and a later process still counts them', async () => {
    const log = join(dir, 'sent.jsonl');
    const config = join(dir, 'smsgate.json');
    writeFileSync(
      config,
      JSON.stringify({
        store: kind === 'sqlite' ? { type: 'sqlite', path: join(dir, 'smsgate.db') } : { type: 'redis', url: redis!.url(), prefix: 'guard' },
        transports: [{ id: 'loop', type: 'loopback', log }],
      }),
    );
    // Five processes at a time, each its own gateway on the shared file, racing for the cap.
    const runs: Run[] = [];
    for (let wave = 0; wave < 5; wave++) {
      runs.push(...(await Promise.all(Array.from({ length: 5 }, (_, i) => send(config, `wave ${wave} send ${i}`)))));
    }
    const passed = runs.filter((run) => run.code === 0);
    const refused = runs.filter((run) => run.code !== 0);
    assert.equal(passed.length, 20, `states: ${runs.map((run) => run.result.state).join(' ')}`);
    assert.ok(passed.every((run) => ['SUBMITTED', 'DELIVERED'].includes(run.result.state)));
    assert.equal(refused.length, 5);
    for (const run of refused) {
      assert.equal(run.code, 1);
      assert.equal(run.result.state, 'REJECTED');
      assert.equal(run.result.error?.code, 'RATE_LIMITED');
      assert.match(run.result.error!.message, /guard\.perRecipient/);
    }
    const sent = readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(sent.length, 20, 'what reached the transport');
    assert.equal(new Set(sent.map((line) => (JSON.parse(line) as { id: string }).id)).size, 20, 'no duplicates');

    const later = await send(config, 'after a restart');
    assert.equal(later.result.state, 'REJECTED');
    assert.equal(later.result.error?.code, 'RATE_LIMITED');
    assert.ok(existsSync(log) && readFileSync(log, 'utf8').trim().split('\n').length === 20);
  });
});
