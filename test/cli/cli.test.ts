/**
 * The `smsgate` command as users run it: a real process, its stdout, stderr and exit code.
 * It runs the built `dist/`, so `npm test` builds first.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli', 'main.js');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  json: any;
}

function smsgate(args: string[], cwd?: string): Run {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, timeout: 30_000 });
  let json: unknown;
  if (args.includes('--json')) {
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, 1, `--json prints exactly one line on stdout, got: ${run.stdout}`);
    json = JSON.parse(lines[0]!);
  }
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, json };
}

describe('smsgate CLI', function () {
  this.timeout(30_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function config(content: unknown, name = 'config.json'): string {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  }

  const loopbackConfig = (loopback: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
    config({
      store: { type: 'sqlite', path: 'gw.db' },
      defaults: { from: 'ACME', region: 'GB' },
      transports: [{ id: 'lb', type: 'loopback', dlrDelayMs: 20, ...loopback }],
      ...extra,
    });

  describe('lookup', () => {
    it('verifies and normalises a number, with its type and carrier', () => {
      const run = smsgate(['lookup', '07400 123456', '--region', 'GB', '--json']);
      assert.equal(run.status, 0);
      assert.deepEqual(run.json, {
        input: '07400 123456',
        valid: true,
        e164: '+447400123456',
        country: 'GB',
        type: 'MOBILE',
        carrier: 'Three',
      });
    });

    for (const [label, args, code] of [
      ['too short', ['+4412'], 'NUMBER_TOO_SHORT'],
      ['too long', ['+4474001234567890123'], 'NUMBER_TOO_LONG'],
      ['not a number', ['hello'], 'NUMBER_NOT_A_NUMBER'],
      ['invalid for its country', ['+44123456789'], 'NUMBER_INVALID'],
      ['in an unknown region', ['07400123456', '--region', 'XX'], 'REGION_UNKNOWN'],
    ] as const) {
      it(`answers a number ${label} with exit 2 and the error`, () => {
        const run = smsgate(['lookup', ...args, '--json']);
        assert.equal(run.status, 2);
        assert.equal(run.json.valid, false);
        assert.equal(run.json.input, args[0]);
        assert.equal(run.json.error.code, code);
        assert.ok(run.json.error.message.length > 0);
      });
    }

    it('prints a readable line without --json, and usage errors on stderr', () => {
      const run = smsgate(['lookup', '+447400123456']);
      assert.equal(run.status, 0);
      assert.match(run.stdout, /\+447400123456 .*MOBILE/);
      const usage = smsgate(['lookup']);
      assert.equal(usage.status, 2);
      assert.equal(usage.stdout, '');
      assert.match(usage.stderr, /usage: smsgate lookup/);
    });
  });

  describe('encode', () => {
    it('reports GSM 7-bit units, counting an extension character twice', () => {
      const run = smsgate(['encode', 'Price: 10€', '--json']);
      assert.equal(run.status, 0);
      assert.deepEqual(run.json, { encoding: 'GSM7', units: 11, segments: 1, unitsPerSegment: 160, parts: ['Price: 10€'] });
    });

    it('splits UCS-2 text into parts of 67 units', () => {
      const text = 'Привет'.repeat(12);
      const run = smsgate(['encode', text, '--json']);
      assert.equal(run.json.encoding, 'UCS2');
      assert.equal(run.json.units, 72);
      assert.equal(run.json.segments, 2);
      assert.equal(run.json.unitsPerSegment, 67);
      assert.equal(run.json.parts.join(''), text);
      assert.equal(run.json.parts[0].length, 67);
    });

    it('keeps text GSM 7-bit with --smart', () => {
      const run = smsgate(['encode', 'It’s “fine” – really…', '--smart', '--json']);
      assert.equal(run.json.encoding, 'GSM7');
      assert.deepEqual(run.json.parts, ['It\'s "fine" - really...']);
    });

    for (const [label, args, code] of [
      ['empty text', [''], 'TEXT_EMPTY'],
      ['an emoji forced into GSM 7-bit', ['hi 👋', '--encoding', 'gsm7'], 'TEXT_NOT_ENCODABLE'],
      ['more than 10 segments', ['x'.repeat(1600)], 'TEXT_TOO_MANY_SEGMENTS'],
      ['an unknown encoding', ['hi', '--encoding', 'utf8'], 'USAGE'],
      ['an unknown flag', ['hi', '--colour'], 'USAGE'],
    ] as const) {
      it(`answers ${label} with exit 2`, () => {
        const run = smsgate(['encode', ...args, '--json']);
        assert.equal(run.status, 2);
        assert.equal(run.json.error.code, code);
      });
    }

    it('names the character that GSM 7-bit cannot carry', () => {
      const run = smsgate(['encode', 'hi 👋', '--encoding', 'gsm7']);
      assert.equal(run.status, 2);
      assert.match(run.stderr, /U\+1F44B/);
    });
  });

  describe('send', () => {
    it('sends through a loopback transport and waits for the delivery report', () => {
      const run = smsgate(['send', '--config', loopbackConfig(), '--to', '+447400123456', '--text', 'hi', '--wait', '--json']);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.json.to, '+447400123456');
      assert.equal(run.json.transport, 'lb');
      assert.equal(run.json.segments, 1);
      assert.equal(run.json.state, 'DELIVERED');
      assert.equal(run.json.providerIds.length, 1);
      assert.match(run.json.id, /^[0-9a-f-]{36}$/);
    });

    it('returns SUBMITTED without --wait', () => {
      const run = smsgate(['send', '--config', loopbackConfig({ dlrDelayMs: 5000 }), '--to', '07400 123456', '--text', 'x'.repeat(200), '--json']);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.json.state, 'SUBMITTED');
      assert.equal(run.json.segments, 2);
    });

    it('exits 1 when the message is not delivered, refused or failed', () => {
      const undelivered = smsgate(['send', '--config', loopbackConfig({ dlrStatus: 'UNDELIV' }), '--to', '+447400123456', '--text', 'hi', '--wait', '--json']);
      assert.equal(undelivered.status, 1);
      assert.equal(undelivered.json.state, 'UNDELIVERED');

      const failed = smsgate(['send', '--config', loopbackConfig({ failWith: 'permanent' }), '--to', '+447400123456', '--text', 'hi', '--json']);
      assert.equal(failed.status, 1);
      assert.equal(failed.json.state, 'FAILED');
      assert.equal(failed.json.error.code, 'TRANSPORT_PERMANENT');

      const premium = smsgate(['send', '--config', loopbackConfig(), '--to', '+449098790000', '--text', 'hi', '--json']);
      assert.equal(premium.status, 1);
      assert.equal(premium.json.state, 'REJECTED');
      assert.equal(premium.json.error.code, 'NUMBER_TYPE_BLOCKED');
    });

    for (const [label, args, code, field] of [
      ['a bad number', ['--to', '+4412', '--text', 'hi'], 'NUMBER_TOO_SHORT', 'to'],
      ['empty text', ['--to', '+447400123456', '--text', ''], 'USAGE', '--text'],
      ['too many segments', ['--to', '+447400123456', '--text', 'y'.repeat(1600)], 'TEXT_TOO_MANY_SEGMENTS', 'text'],
      ['a sender too long', ['--to', '+447400123456', '--text', 'hi', '--from', 'TwelveLetter'], 'SENDER_TOO_LONG', 'from'],
      ['an unknown sender type', ['--to', '+447400123456', '--text', 'hi', '--from', 'ACME', '--from-type', 'carrier-pigeon'], 'SENDER_TYPE_UNKNOWN', 'fromType'],
      ['no recipient', ['--text', 'hi'], 'USAGE', '--to'],
    ] as const) {
      it(`answers ${label} with exit 2, naming the field`, () => {
        const run = smsgate(['send', '--config', loopbackConfig(), ...args, '--json']);
        assert.equal(run.status, 2, run.stdout);
        assert.equal(run.json.error.code, code);
        assert.equal(run.json.error.field, field);
      });
    }

    it('answers a missing, malformed or incomplete config file with exit 2 naming the problem', () => {
      const missing = smsgate(['send', '--config', join(dir, 'nope.json'), '--to', '+447400123456', '--text', 'hi', '--json']);
      assert.equal(missing.status, 2);
      assert.equal(missing.json.error.code, 'CONFIG_NOT_FOUND');
      assert.match(missing.json.error.message, /nope\.json/);

      const malformed = smsgate(['send', '--config', config('{\n  "transports": [\n    { "id": "lb", }\n  ]\n}'), '--to', '+447400123456', '--text', 'hi', '--json']);
      assert.equal(malformed.status, 2);
      assert.equal(malformed.json.error.code, 'CONFIG_PARSE');
      assert.match(malformed.json.error.message, /:3:/);

      const incomplete = smsgate(['send', '--config', config({ transports: [{ id: 's', type: 'smpp', host: '127.0.0.1', port: 70000, password: 'hunter2' }] }), '--to', '+447400123456', '--text', 'hi', '--json']);
      assert.equal(incomplete.status, 2);
      assert.equal(incomplete.json.error.code, 'CONFIG_INVALID');
      assert.match(incomplete.json.error.message, /transports\[0\]\.port: expected 1\.\.65535, got 70000/);
      assert.match(incomplete.json.error.message, /transports\[0\]\.systemId/);
      assert.doesNotMatch(incomplete.stdout, /hunter2/);
    });

    it('sends a CSV file in bulk, with a summary and one result per row', () => {
      const csv = join(dir, 'people.csv');
      writeFileSync(csv, 'to,name\n+447400123456,Alice\n07400 123457,Bob\nnot-a-number,Mallory\n+33612345678,"Chloé, Jr."\n');
      const out = join(dir, 'out.jsonl');
      const run = smsgate(['send', '--config', loopbackConfig({ log: 'sent.jsonl' }), '--csv', csv, '--text', 'Hi {{name}}', '--out', out, '--json']);
      assert.equal(run.status, 1, 'one row was rejected');
      assert.equal(run.json.total, 4);
      assert.equal(run.json.accepted, 3);
      assert.equal(run.json.rejected, 1);
      assert.equal(run.json.failed, 0);
      assert.equal(typeof run.json.perSecond, 'number');

      // A line when a row is accepted and one when it is submitted: the last line of each row tells.
      const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const rows = [...new Map(lines.map((r) => [r.row, r])).values()].sort((a, b) => a.row - b.row);
      assert.deepEqual(rows.map((r) => r.row), [1, 2, 3, 4]);
      assert.deepEqual(rows.map((r) => r.state), ['SUBMITTED', 'SUBMITTED', 'REJECTED', 'SUBMITTED']);
      assert.equal(rows[2].error.code, 'NUMBER_NOT_A_NUMBER');
      const sent = readFileSync(join(dir, 'sent.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(sent.map((m) => m.text).sort(), ['Hi Alice', 'Hi Bob', 'Hi Chloé, Jr.']);
    });

    it('refuses a CSV file without a needed column before sending anything', () => {
      const csv = join(dir, 'people.csv');
      writeFileSync(csv, 'phone,name\n+447400123456,Alice\n');
      const noTo = smsgate(['send', '--config', loopbackConfig({ log: 'sent.jsonl' }), '--csv', csv, '--text', 'Hi', '--json']);
      assert.equal(noTo.status, 2);
      assert.equal(noTo.json.error.code, 'CSV_INVALID');
      assert.match(noTo.json.error.message, /"to" column/);

      writeFileSync(csv, 'to,name\n+447400123456,Alice\n');
      const noColumn = smsgate(['send', '--config', loopbackConfig({ log: 'sent.jsonl' }), '--csv', csv, '--text', 'Hi {{surname}}', '--json']);
      assert.equal(noColumn.status, 2);
      assert.match(noColumn.json.error.message, /\{\{surname\}\}/);
    });
  });

  it('answers an unknown command with exit 2 and the usage', () => {
    const run = smsgate(['frobnicate']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /unknown command "frobnicate"/);
  });
});
