/** `smsgate send` through an SMPP transport, against the simulator, as a real process. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
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

  function config(password: string, smscPort = port): string {
    const path = join(dir, 'smpp.json');
    writeFileSync(path, JSON.stringify({
      store: { type: 'sqlite', path: 'outbox.db' },
      defaults: { from: 'ACME', region: 'GB' },
      transports: [{ id: 'smsc1', type: 'smpp', host: '127.0.0.1', port: smscPort, systemId: 'acme', password }],
    }));
    return path;
  }

  type Failure = { code: number; stdout: string; stderr: string };
  async function failing(args: string[]): Promise<Failure & { ms: number }> {
    const started = Date.now();
    const failure = await run(process.execPath, [CLI, ...args]).then(
      () => assert.fail('the command should fail'),
      (err: Failure) => err,
    );
    return { ...failure, ms: Date.now() - started };
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

  it('says a wrong password at once, naming ESME_RINVPASWD, exits 1 in under 10 s, and tells how to drop the queued message', async () => {
    const path = config('sesame');
    const failed = await failing(['send', '--config', path, '--to', '+447400123456', '--text', 'hi', '--json']);
    assert.equal(failed.code, 1);
    assert.ok(failed.ms < 10_000, `exited after ${failed.ms} ms`);
    assert.match(failed.stderr, /^smsgate: transport smsc1: bind refused by the SMSC: ESME_RINVPASWD \(wrong password\)$/m);
    const result = JSON.parse(failed.stdout);
    assert.equal(result.state, 'QUEUED');
    assert.equal(result.error.code, 'TRANSPORT_UNAVAILABLE');
    assert.match(result.error.message, /^no transport of the route could bind: smsc1: bind refused by the SMSC: ESME_RINVPASWD/);
    assert.match(failed.stderr, new RegExp(`message ${result.id} stays QUEUED in ${join(dir, 'outbox.db').replaceAll('.', '\\.')}`));
    const drop = `smsgate send --config ${path} --drop ${result.id}`;
    assert.ok(failed.stderr.includes(`To drop it so it is never sent: ${drop}`), failed.stderr);
    assert.doesNotMatch(failed.stdout + failed.stderr, /sesame/);
    assert.equal(sim.submits.length, 0);

    // Dropped as told, it is never sent: the next run, with the right password, sends only its own.
    const { stdout: dropped } = await run(process.execPath, [CLI, 'send', '--config', path, '--drop', result.id, '--json']);
    assert.equal(JSON.parse(dropped).state, 'FAILED');
    const { stdout } = await run(process.execPath, [CLI, 'send', '--config', config('pw'), '--to', '+447400123456', '--text', 'second', '--json']);
    assert.equal(JSON.parse(stdout).state, 'SUBMITTED');
    assert.deepEqual(sim.submits.map((s) => s.text), ['second']);
  });

  it('says a refused connection with host:port and exits 1 at once', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const failed = await failing(['send', '--config', config('pw', closedPort), '--to', '+447400123456', '--text', 'hi', '--json']);
    assert.equal(failed.code, 1);
    assert.ok(failed.ms < 10_000, `exited after ${failed.ms} ms`);
    assert.match(failed.stderr, new RegExp(`^smsgate: transport smsc1: SMSC 127\\.0\\.0\\.1:${closedPort} refused the connection`, 'm'));
    assert.equal(JSON.parse(failed.stdout).state, 'QUEUED');
    assert.match(failed.stderr, /To drop it so it is never sent: smsgate send --config .* --drop /);
  });
});
