/**
 * node-red-node-test-helper around the built node set (dist/node-red/smsgate.js, what the
 * package ships), with a fresh Node-RED user directory per test so the gateway's sqlite store
 * starts empty.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The parts of node-red-node-test-helper (which ships no types) these tests use. */
export interface TestHelper {
  init(runtimePath: string): void;
  settings(settings: Record<string, unknown>): void;
  load(nodes: unknown, flow: FlowNode[], credentials?: Record<string, Record<string, string>>): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): TestNode;
  startServer(): Promise<void>;
  /** The spy on Node-RED's log: each call's first argument is `{level, msg}`. */
  log(): { args: unknown[][]; ERROR: number; WARN: number };
  stopServer(): Promise<void>;
}

export interface TestNode {
  id: string;
  receive(msg: Record<string, unknown>): void;
  on(event: 'input', handler: (msg: Record<string, unknown>) => void): void;
  on(event: `call:${string}`, handler: (call: { args: unknown[] }) => void): void;
  off(event: string, handler: (...args: never[]) => void): void;
}

export type FlowNode = { id: string; type: string; [key: string]: unknown };

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const helper: TestHelper = require('node-red-node-test-helper');
helper.init(require.resolve('node-red'));

/** The node set as Node-RED loads it from the package. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const smsgateNodes: unknown = require(join(__dirname, '..', '..', '..', 'dist', 'node-red', 'smsgate.js'));

/** A fresh user directory for the next load; returns it and a function removing it. */
export function freshUserDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'smsgate-nr-'));
  helper.settings({ userDir: dir });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Resolves with the next `count` messages the node receives (its input, as a helper node). */
export function nextMessages(node: TestNode, count: number, ms = 10_000): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const seen: Record<string, unknown>[] = [];
    const timer = setTimeout(() => reject(new Error(`timed out after ${seen.length} of ${count} messages`)), ms);
    node.on('input', (msg) => {
      seen.push(msg);
      if (seen.length === count) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}

/** Resolves with the first error the node reports (node.error or done(err)). */
export function nextError(node: TestNode, ms = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for an error')), ms);
    const listener = (call: { args: unknown[] }) => {
      clearTimeout(timer);
      node.off('call:error', listener);
      resolve(call.args[0]);
    };
    node.on('call:error', listener);
  });
}

/** Resolves once the node's status satisfies `test`; rejects with the last status seen. */
export function statusWhere(node: TestNode, test: (status: { fill?: string; text?: string }) => boolean, ms = 10_000): Promise<{ fill?: string; text?: string }> {
  // The helper spies on Node.prototype.status: the latest call on this node is its status now.
  const spy = (node as unknown as { status: { getCalls(): Array<{ thisValue: unknown; args: unknown[] }> } }).status;
  const past = spy.getCalls().filter((call) => call.thisValue === node);
  const now = past.at(-1)?.args[0] as { fill?: string; text?: string } | undefined;
  if (now !== undefined && test(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    let last: unknown = now;
    const timer = setTimeout(() => reject(new Error(`status never matched; last: ${JSON.stringify(last)}`)), ms);
    node.on('call:status', (call) => {
      const status = call.args[0] as { fill?: string; text?: string };
      last = status;
      if (test(status)) {
        clearTimeout(timer);
        resolve(status);
      }
    });
  });
}

/** What node.error was called with on this node so far (the helper spies on Node.prototype). */
export function errorsOf(node: TestNode): unknown[] {
  const spy = (node as unknown as { error: { getCalls(): Array<{ thisValue: unknown; args: unknown[] }> } }).error;
  return spy
    .getCalls()
    .filter((call) => call.thisValue === node)
    .map((call) => call.args[0]);
}
