/** `smsgate send` through a GSM modem (the simulator on a pseudo-terminal), as a real process. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ModemSimulator } from '../../src/modem/simulator';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli', 'main.js');
const run = promisify(execFile);

interface Failure {
  code: number;
  stdout: string;
  stderr: string;
}

describe('smsgate send through a modem', function () {
  this.timeout(30_000);
  let dir: string;
  let sim: ModemSimulator;
  let path: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-cli-modem-'));
    sim = new ModemSimulator({ link: join(dir, 'ttyGSM0'), pin: '2468', statusReportDelayMs: 20 });
    ({ path } = await sim.start());
  });
  afterEach(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends with --modem PATH, the PIN from the environment, and waits for the status report', async () => {
    const env = { ...process.env, SMSGATE_MODEM_PIN: '2468' };
    const args = ['send', '--modem', path, '--region', 'GB', '--to', '07400 123456', '--text', 'Hello from the modem €', '--wait', '--json'];
    const { stdout } = await run(process.execPath, [CLI, ...args], { env });
    const result = JSON.parse(stdout);
    assert.equal(result.state, 'DELIVERED');
    assert.equal(result.transport, 'modem');
    assert.equal(result.to, '+447400123456');
    assert.equal(sim.submits[0]!.text, 'Hello from the modem €');
    assert.equal(sim.submits[0]!.destination, '+447400123456');
  });

  it('sends through a modem named in the config file', async () => {
    const config = join(dir, 'modem.json');
    writeFileSync(config, JSON.stringify({
      store: { type: 'memory' },
      transports: [{ id: 'gsm1', type: 'modem', path, pin: '2468' }],
    }));
    const { stdout } = await run(process.execPath, [CLI, 'send', '--config', config, '--to', '+447400123456', '--text', 'via config', '--wait', '--json']);
    assert.equal(JSON.parse(stdout).state, 'DELIVERED');
    assert.equal(JSON.parse(stdout).transport, 'gsm1');
  });

  it('exits 1 with the message queued when the PIN is wrong, never showing the PIN', async () => {
    const env = { ...process.env, SMSGATE_MODEM_PIN: '1357' };
    const failed = await run(process.execPath, [CLI, 'send', '--modem', path, '--to', '+447400123456', '--text', 'hi', '--timeout', '2', '--json'], { env }).then(
      () => assert.fail('the send should fail'),
      (err: Failure) => err,
    );
    assert.equal(failed.code, 1);
    assert.equal(JSON.parse(failed.stdout).state, 'QUEUED');
    assert.doesNotMatch(failed.stdout + failed.stderr, /1357/);
  });

  it('exits 2 naming the variable when the PIN is not 4-8 digits', async () => {
    const env = { ...process.env, SMSGATE_MODEM_PIN: '12' };
    const failed = await run(process.execPath, [CLI, 'send', '--modem', path, '--to', '+447400123456', '--text', 'hi', '--json'], { env }).then(
      () => assert.fail('the send should fail'),
      (err: Failure) => err,
    );
    assert.equal(failed.code, 2);
    assert.match(failed.stderr + failed.stdout, /SMSGATE_MODEM_PIN/);
    assert.doesNotMatch(failed.stderr + failed.stdout, /"12"/);
  });
});
