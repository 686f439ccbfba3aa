/**
 * Gateway processes for the tests about sharing a store: a fixture script (test/fixtures/) run
 * on this Node, its stdout lines collected with when each was read; told to stop through stdin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const FIXTURES = join(__dirname, '..', 'fixtures');

export interface FixtureProcess {
  child: ChildProcess;
  lines: string[];
  /** When each line was read (Date.now()), in the order of `lines`. */
  times: number[];
  exited: Promise<void>;
}

export function startFixture(script: string, args: string[]): FixtureProcess {
  const child = spawn(process.execPath, [join(FIXTURES, script), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const times: number[] = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
    times.push(...parts.map(() => Date.now()));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return { child, lines, times, exited };
}

/** gateway-process.js: sends `count` messages `<prefix> <i>`, submits until told to stop. */
export function startGateway(config: string, count: number, prefix: string, leaseMs: number): FixtureProcess {
  return startFixture('gateway-process.js', [config, String(count), prefix, String(leaseMs)]);
}

/** A clean stop (it finishes what it holds), unless it has exited already. */
export async function stopGateway(process: FixtureProcess): Promise<void> {
  if (process.child.exitCode !== null || process.child.signalCode !== null) return;
  process.child.stdin!.write('stop\n');
  await process.exited;
}

/** QUEUED messages leased to `owner` in a Redis store, counted by a script (keys: src/store/redis/keys.ts). */
export const LEASED_TO = `
local n = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1] .. 'queued', 0, -1)) do
  if redis.call('HGET', KEYS[1] .. 'm:' .. id, 'owner') == ARGV[1] then n = n + 1 end
end
return n`;
