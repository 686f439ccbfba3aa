/**
 * What the tests that run a real Node-RED share: a free loopback port, a bounded wait for a
 * condition, and the lockfile a user directory gets so that installing our tarball there
 * takes our runtime dependencies as our own lockfile pins them.
 */
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

export async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `condition` (a real Node-RED has no event to wait on from outside) until it holds, or fails after `ms`. */
export async function waitFor(condition: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A user directory's lockfile holding our runtime dependencies as our own lockfile pins them. */
export function runtimeLockfile(): object {
  const ours = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean; link?: boolean }>;
  };
  const packages: Record<string, unknown> = { '': { name: 'node-red-project', version: '0.0.1' } };
  for (const [path, entry] of Object.entries(ours.packages)) {
    if (path !== '' && entry.dev !== true && entry.devOptional !== true && entry.link !== true) packages[path] = entry;
  }
  return { name: 'node-red-project', version: '0.0.1', lockfileVersion: 3, requires: true, packages };
}
