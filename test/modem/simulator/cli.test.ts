/**
 * `smsgate simulate modem`: options checked in-process, and the command run as a real process
 * (through the fixture the SMSC simulator's CLI tests use) driven over its pty and by a signal.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { simulateCommand } from '../../../src/cli/commands/simulate';
import { SmsGateError } from '../../../src/errors';
import { waitForEvent } from '../../helpers/events';
import { cleanUp, HELLO_SUBMIT, Terminal } from './helpers';

const FIXTURE = join(__dirname, '..', '..', 'smpp', 'simulator', 'fixtures', 'simulate-cli.js');

describe('smsgate simulate modem', function () {
  this.timeout(20_000);

  for (const [args, field, pattern] of [
    [['--pin', '12'], '--pin', /--pin expects 4 to 8 digits, got "12"/],
    [['--link', ''], '--link', /--link expects a path/],
    [['ttyS0'], 'ttyS0', /usage: .*smsgate simulate modem/s],
  ] as const) {
    it(`refuses ${args.join(' ')} naming ${field}`, async () => {
      await assert.rejects(simulateCommand(['modem', ...args]), (error: unknown) =>
        error instanceof SmsGateError && error.code === 'USAGE' && error.field === field && pattern.test(error.message));
    });
  }

  describe('as a process', () => {
    let child: ChildProcessWithoutNullStreams | undefined;
    let directory: string;
    beforeEach(() => (directory = mkdtempSync(join(tmpdir(), 'smsgate-cli-'))));
    afterEach(async () => {
      await cleanUp();
      if (child?.exitCode === null) child.kill('SIGKILL');
      child = undefined;
      rmSync(directory, { recursive: true, force: true });
    });

    it('prints its path, speaks AT there, takes inbound SMS from stdin and stops cleanly on SIGTERM', async () => {
      const link = join(directory, 'ttyGSM0');
      child = spawn(process.execPath, [FIXTURE, 'modem', '--link', link, '--pin', '1234', '--json']);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const lines = createInterface({ input: child.stdout });
      const stdoutLines: string[] = [];
      lines.on('line', (line) => stdoutLines.push(line));
      await waitForEvent(lines, 'line', 10_000);
      assert.deepEqual(JSON.parse(stdoutLines[0]!), { path: link });
      assert.match(stderr, new RegExp(`port ${link} \\(PIN required\\)`));

      const term = await Terminal.open(link);
      await term.init();
      assert.deepEqual((await term.at('AT+CPIN?')).lines, ['+CPIN: SIM PIN']);
      await term.at('AT+CPIN="1234"');
      await term.at('AT+CNMI=2,1,0,0,0');
      assert.deepEqual((await term.atPrompt('AT+CMGS=23', HELLO_SUBMIT.hex)).lines, ['+CMGS: 0']);

      child.stdin.write('not json\n{"from":"+447700900123","text":"STOP"}\n');
      await term.expect(/\r\n\+CMTI: "SM",1\r\n/);
      const read = await term.at('AT+CMGR=1');
      assert.match(read.lines[0]!, /^\+CMGR: 0,,\d+$/);

      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0);
      await term.closed;
      assert.equal(existsSync(link), false, 'the link is removed');
      assert.equal(stdoutLines.length, 1, `stdout carries the JSON line only: ${stdoutLines.join('\n')}`);
      assert.match(stderr, /stdin line 1: expected a JSON object/);
      assert.match(stderr, /stdin line 2: inbound SMS handed to the modem/);
      assert.match(stderr, /\+CMGS: 0 -> \+46708251358 "hellohello"/);
    });
  });
});
