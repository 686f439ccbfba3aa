/**
 * `smsgate simulate`: options checked in-process, and the command run as a real process (through
 * a fixture standing in for main.ts) driven by an SMPP client and a signal.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { simulateCommand } from '../../../src/cli/commands/simulate';
import { SmsGateError } from '../../../src/errors';
import { Esme, waitForEvent } from './helpers';

const FIXTURE = join(__dirname, 'fixtures', 'simulate-cli.js');

function usageError(field: string, pattern: RegExp) {
  return (error: unknown) =>
    error instanceof SmsGateError && error.code === 'USAGE' && error.field === field && pattern.test(error.message);
}

describe('smsgate simulate', function () {
  this.timeout(20_000);

  describe('options', () => {
    for (const [args, field, pattern] of [
      [['smsc', '--port', 'abc'], '--port', /--port expects a whole number from 0 to 65535, got "abc"/],
      [['smsc', '--port', '65536'], '--port', /got "65536"/],
      [['smsc', '--dlr-delay=-5'], '--dlr-delay', /--dlr-delay expects a whole number/],
      [['smsc', '--throttle', '0'], '--throttle', /--throttle expects a whole number from 1/],
      [['smsc', '--dlr-status', 'LOST'], '--dlr-status', /--dlr-status must be one of DELIVRD, UNDELIV, EXPIRED, REJECTD, random/],
      [[], 'target', /usage: smsgate simulate smsc/],
      [['smtp'], 'target', /usage: smsgate simulate smsc/],
    ] as const) {
      it(`refuses ${args.join(' ') || 'no target'} naming ${field}`, async () => {
        await assert.rejects(simulateCommand([...args]), usageError(field, pattern));
      });
    }

    it('refuses unknown flags', async () => {
      await assert.rejects(simulateCommand(['smsc', '--tps', '5']), (error: unknown) =>
        error instanceof SmsGateError && error.code === 'USAGE' && /--tps/.test(error.message));
    });
  });

  describe('as a process', () => {
    let child: ChildProcessWithoutNullStreams | undefined;
    afterEach(() => {
      if (child?.exitCode === null) child.kill('SIGKILL');
      child = undefined;
    });

    it('exits 2 naming the flag on a bad value', () => {
      const run = spawnSync(process.execPath, [FIXTURE, 'smsc', '--port', 'x'], { encoding: 'utf8' });
      assert.equal(run.status, 2);
      assert.match(run.stderr, /--port expects a whole number/);
      assert.equal(run.stdout, '');
    });

    it('prints its address, serves ESMEs, injects MO from stdin and unbinds on SIGTERM', async () => {
      child = spawn(process.execPath, [
        FIXTURE, 'smsc', '--port', '0', '--json', '--system-id', 'test', '--password', 'secret',
        '--dlr-delay', '0', '--mo-stdin',
      ]);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const stdoutLines: string[] = [];
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => stdoutLines.push(line));
      await waitForEvent(lines, 'line', 10_000);
      const address = JSON.parse(stdoutLines[0]!) as { host: string; port: number };
      assert.equal(address.host, '127.0.0.1');
      assert.match(stderr, new RegExp(`listening on 127\\.0\\.0\\.1:${address.port} \\(system_id test\\)`));
      assert.doesNotMatch(stderr, /secret/, 'the password is never printed');

      const esme = await Esme.connect(address.port);
      assert.equal((await esme.bind('transceiver', { password: 'wrong' })).command_status, 0x0e);
      assert.equal((await esme.bind()).command_status, 0);
      const response = await esme.submit('from the CLI test', { registered_delivery: 1 });
      const [receipt] = await esme.waitForDelivers(1);
      assert.equal(receipt!.receipted_message_id, response.message_id);

      child.stdin.write('not json\n{"from":"+447700900123","to":"ACME","text":"STOP"}\n');
      const [, mo] = await esme.waitForDelivers(2);
      assert.equal(mo!.short_message.message, 'STOP');
      assert.equal(mo!.source_addr, '447700900123');

      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0);
      assert.ok(esme.received.some((pdu) => pdu.command === 'unbind'), 'the ESME was unbound');
      await esme.waitClosed();
      assert.equal(stdoutLines.length, 1, `stdout carries the JSON line only: ${stdoutLines.join('\n')}`);
      assert.match(stderr, /stdin line 1: expected a JSON object/);
      assert.match(stderr, /stdin line 2: MO delivered/);
      assert.match(stderr, /submit_sm ACME -> 447700900123 "from the CLI test": 00000001/);
    });
  });
});
