/**
 * What a newcomer meets first on the command line (issue 13, points 6 and 7): every command
 * answers --help, --timeout cannot overflow a timer, --region is honoured with --config, an
 * empty CSV is an error, and a store path that cannot be created is named. A real process each.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli', 'main.js');
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

function smsgate(args: string[], cwd?: string) {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, timeout: 30_000 });
  const json = args.includes('--json') && run.stdout.trim() !== '' ? JSON.parse(run.stdout) : undefined;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, json };
}

describe('smsgate CLI input', function () {
  this.timeout(30_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-cli-input-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function file(name: string, content: string): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  }

  /** A loopback gateway whose defaults.region is GB. */
  const config = (store: Record<string, unknown> = { type: 'sqlite', path: 'gw.db' }) =>
    file('config.json', JSON.stringify({ store, defaults: { region: 'GB' }, transports: [{ id: 'lb', type: 'loopback' }] }));

  describe('--help', () => {
    for (const args of [['lookup'], ['encode'], ['send'], ['simulate'], ['simulate', 'smsc'], ['simulate', 'modem'], ['send', '--to', 'x']]) {
      it(`smsgate ${args.join(' ')} --help prints its usage on stdout and exits 0`, () => {
        const run = smsgate([...args, '--help']);
        assert.equal(run.status, 0, run.stderr);
        assert.ok(run.stdout.startsWith(`usage: smsgate ${args[0]} `), run.stdout);
        assert.equal(run.stderr, '');
      });
    }

    it('takes -h too, and --help after -- is an argument, not a request for help', () => {
      const short = smsgate(['lookup', '-h']);
      assert.equal(short.status, 0);
      assert.match(short.stdout, /^usage: smsgate lookup <number>/);
      const argument = smsgate(['encode', '--json', '--', '--help']);
      assert.equal(argument.status, 0, argument.stderr);
      assert.deepEqual(argument.json.parts, ['--help']);
    });
  });

  describe('--timeout', () => {
    it(`refuses more seconds than a timer can hold (${MAX_TIMER_SECONDS}), naming --timeout, before sending anything`, () => {
      for (const timeout of ['3000000', String(MAX_TIMER_SECONDS + 1), '0', '-1', 'soon', 'Infinity', '']) {
        const run = smsgate(['send', '--config', config(), '--to', '+447400123456', '--text', 'hi', `--timeout=${timeout}`, '--json']);
        assert.equal(run.status, 2, `--timeout "${timeout}": ${run.stdout}${run.stderr}`);
        assert.equal(run.json.error.code, 'USAGE');
        assert.equal(run.json.error.field, '--timeout');
        assert.match(run.json.error.message, new RegExp(`at most ${MAX_TIMER_SECONDS}`));
      }
    });

    it('takes the longest timeout a timer can hold and still waits for the message', () => {
      const run = smsgate(['send', '--config', config(), '--to', '+447400123456', '--text', 'hi', '--timeout', String(MAX_TIMER_SECONDS), '--json']);
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.equal(run.json.state, 'SUBMITTED');
    });
  });

  describe('--region with --config', () => {
    it("reads a national number in the region given, over the config's defaults.region", () => {
      const inConfigRegion = smsgate(['send', '--config', config(), '--to', '0612345678', '--text', 'hi', '--json']);
      assert.equal(inConfigRegion.status, 2, 'a French national number is no GB number');
      assert.equal(inConfigRegion.json.error.code, 'NUMBER_INVALID');

      const run = smsgate(['send', '--config', config(), '--region', 'FR', '--to', '0612345678', '--text', 'hi', '--json']);
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.equal(run.json.to, '+33612345678');
      assert.equal(run.json.state, 'SUBMITTED');
    });

    it('refuses an unknown region, naming --region', () => {
      const run = smsgate(['send', '--config', config(), '--region', 'XX', '--to', '0612345678', '--text', 'hi', '--json']);
      assert.equal(run.status, 2);
      assert.equal(run.json.error.code, 'REGION_UNKNOWN');
      assert.equal(run.json.error.field, '--region');
    });
  });

  describe('an empty CSV', () => {
    for (const [label, content] of [['an empty file', ''], ['a header and no rows', 'to,name\n'], ['blank lines only', '\n\n']]) {
      it(`is an error (exit 2) naming the file: ${label}`, () => {
        const csv = file('recipients.csv', content);
        const run = smsgate(['send', '--config', config(), '--csv', csv, '--text', 'Hello {{name}}', '--json']);
        assert.equal(run.status, 2, run.stdout + run.stderr);
        assert.equal(run.json.error.code, 'CSV_INVALID');
        assert.equal(run.json.error.field, '--csv');
        assert.ok(run.json.error.message.startsWith(`${csv}: no rows to send`), run.json.error.message);

        const human = smsgate(['send', '--config', config(), '--csv', csv, '--text', 'Hello {{name}}']);
        assert.equal(human.status, 2);
        assert.match(human.stderr, /recipients\.csv: no rows to send/);
      });
    }
  });

  describe('a store path that cannot be created', () => {
    it('is refused at start, naming store.path', () => {
      file('a-file', 'not a directory');
      const run = smsgate(['send', '--config', config({ type: 'sqlite', path: 'a-file/sub/gw.db' }), '--to', '+447400123456', '--text', 'hi', '--json']);
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.equal(run.json.error.code, 'STORE_ERROR');
      assert.equal(run.json.error.field, 'store.path');
      assert.match(run.json.error.message, /^store\.path: cannot open or write the sqlite store at .*a-file\/sub\/gw\.db: ENOTDIR/);
    });
  });
});
