import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load';
import { SmsGateError, type ErrorCode } from '../../src/errors';

describe('loadConfigFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'smsgate-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(name: string, content: string): string {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  }

  function refusal(file: string, code: ErrorCode): SmsGateError {
    try {
      loadConfigFile(file);
    } catch (err) {
      assert.ok(err instanceof SmsGateError, String(err));
      assert.equal(err.code, code);
      return err;
    }
    return assert.fail(`expected ${code}`);
  }

  it('reads and validates a file, resolving relative paths from its directory', () => {
    mkdirSync(join(dir, 'etc'));
    const file = write(
      'etc/smsgate.json',
      JSON.stringify({ store: { path: 'data/sms.db' }, transports: [{ id: 'lo', type: 'loopback', log: 'sent.jsonl' }] }),
    );
    const config = loadConfigFile(file);
    assert.deepEqual(config.store, { type: 'sqlite', path: join(dir, 'etc', 'data', 'sms.db') });
    assert.equal(config.transports[0]!.type === 'loopback' && config.transports[0]!.log, join(dir, 'etc', 'sent.jsonl'));
  });

  it('accepts a file that starts with a byte order mark', () => {
    const file = write('bom.json', '\uFEFF{"transports": [{"id": "lo", "type": "loopback"}]}');
    assert.equal(loadConfigFile(file).transports[0]!.id, 'lo');
  });

  it('CONFIG_NOT_FOUND names the missing file by its full path', () => {
    const err = refusal(join(dir, 'nope.json'), 'CONFIG_NOT_FOUND');
    assert.equal(err.message, `config file not found: ${join(dir, 'nope.json')}`);
    assert.equal(err.field, 'config');
  });

  it('CONFIG_NOT_FOUND also when the path cannot be read as a file', () => {
    const err = refusal(dir, 'CONFIG_NOT_FOUND');
    assert.equal(err.message, `cannot read config file ${dir} (EISDIR)`);
  });

  it('CONFIG_PARSE names file, line and column', () => {
    const file = write('bad.json', '{\n  "transports": [\n    {"id": "lo" "type": "loopback"}\n  ]\n}\n');
    const err = refusal(file, 'CONFIG_PARSE');
    assert.equal(err.message, `${file}:3:17: invalid JSON: expected ',' or '}' after a property value`);
    assert.equal(err.field, 'config');
  });

  it('CONFIG_PARSE on a trailing comma, an empty file and a cut-off file', () => {
    assert.match(refusal(write('a.json', '{"transports": [],\n}'), 'CONFIG_PARSE').message, /a\.json:2:1: invalid JSON: expected a double-quoted property name$/);
    assert.match(refusal(write('b.json', ''), 'CONFIG_PARSE').message, /b\.json:1:1: invalid JSON: expected a value, found the end of the file$/);
    assert.match(
      refusal(write('c.json', '{\n  "store": {"type": "memory"'), 'CONFIG_PARSE').message,
      /c\.json:2:29: invalid JSON: expected ',' or '}' after a property value, found the end of the file$/,
    );
  });

  it('CONFIG_PARSE never quotes the file, so an unquoted password stays secret', () => {
    const text = '{"transports": [{"id": "s", "type": "smpp", "password": hunter2}]}';
    const file = write('secret.json', text);
    const err = refusal(file, 'CONFIG_PARSE');
    assert.equal(err.message, `${file}:1:${text.indexOf('hunter2') + 1}: invalid JSON: expected a value`);
    assert.equal(err.cause, undefined, 'the JSON.parse error, which quotes the text, is not attached');
  });

  it('CONFIG_INVALID for a well-formed file with a bad field', () => {
    const file = write('invalid.json', JSON.stringify({ transports: [{ id: 'lo', type: 'loopback', dlrDelayMs: -5 }] }));
    const err = refusal(file, 'CONFIG_INVALID');
    assert.equal(err.message, 'transports[0].dlrDelayMs: expected >= 0, got -5');
  });
});
