/**
 * The package runs on Node >= 20, but node:sqlite needs Node >= 22.13. On an older Node the
 * sqlite store must say so clearly, and the rest of the CLI must still work. This runs the
 * built CLI with the machine's own Node when that is an older one (these machines have 20).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli', 'main.js');
const SYSTEM_NODE = '/usr/bin/node';

function olderNode(): string | undefined {
  try {
    const version = execFileSync(SYSTEM_NODE, ['--version'], { encoding: 'utf8' }).trim();
    const [major, minor] = version.slice(1).split('.').map(Number) as [number, number];
    return major < 22 || (major === 22 && minor < 13) ? version : undefined;
  } catch {
    return undefined;
  }
}

describe('smsgate on a Node without node:sqlite', function () {
  this.timeout(30_000);
  const version = olderNode();

  before(function () {
    if (version === undefined) this.skip();
  });

  it('says the sqlite store needs a newer Node, and still looks numbers up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsgate-old-node-'));
    try {
      const config = join(dir, 'config.json');
      writeFileSync(config, JSON.stringify({ transports: [{ id: 'lb', type: 'loopback' }] }));
      const send = spawnSync(SYSTEM_NODE, [CLI, 'send', '--config', config, '--to', '+447400123456', '--text', 'hi', '--json'], { encoding: 'utf8' });
      assert.equal(send.status, 1);
      const error = JSON.parse(send.stdout).error;
      assert.equal(error.code, 'STORE_UNAVAILABLE');
      assert.match(error.message, new RegExp(`Node.js >= 22.13.*${version!.slice(1).replace(/\./g, '\\.')}`));

      const lookup = spawnSync(SYSTEM_NODE, [CLI, 'lookup', '+447400123456', '--json'], { encoding: 'utf8' });
      assert.equal(lookup.status, 0);
      assert.equal(JSON.parse(lookup.stdout).e164, '+447400123456');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
