/** `smsgate send` through an SMPP transport, against the simulator, as a real process. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SmscSimulator } from '../../src/smpp/simulator';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli', 'main.js');
const run = promisify(execFile);

describe('smsgate send over SMPP', function () {
  this.timeout(30_000);
  let dir: string;
  let sim: SmscSimulator;
  let port: number;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-cli-smpp-'));
    sim = new SmscSimulator({ port: 0, systemId: 'acme', password: 'pw', dlrDelayMs: 20 });
    ({ port } = await sim.start());
  });
  afterEach(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function config(password: string): string {
    const path = join(dir, 'smpp.json');
    writeFileSync(path, JSON.stringify({
      defaults: { from: 'ACME', region: 'GB' },
      transports: [{ id: 'smsc1', type: 'smpp', host: '127.0.0.1', port, systemId: 'acme', password }],
    }));
    return path;
  }

  it('sends and waits for the delivery report', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'send', '--config', config('pw'), '--to', '07400 123456', '--text', 'Hello €', '--wait', '--json']);
    const result = JSON.parse(stdout);
    assert.equal(result.state, 'DELIVERED');
    assert.equal(result.transport, 'smsc1');
    assert.equal(sim.submits.length, 1);
    assert.equal(sim.submits[0]!.text, 'Hello €');
    assert.deepEqual(sim.submits[0]!.source, { addr: 'ACME', ton: 5, npi: 0 });
  });

  it('exits 1 with the message still queued when the bind is refused, never showing the password', async () => {
    const failed = await run(process.execPath, [CLI, 'send', '--config', config('sesame'), '--to', '+447400123456', '--text', 'hi', '--timeout', '2', '--json']).then(
      () => assert.fail('the send should fail'),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    assert.equal(failed.code, 1);
    const result = JSON.parse(failed.stdout);
    assert.equal(result.state, 'QUEUED');
    assert.doesNotMatch(failed.stdout + failed.stderr, /sesame/);
  });
});
