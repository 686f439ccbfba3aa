/**
 * The machine's own Node (20 on these machines, as on a Raspberry Pi's system), for tests that
 * run smsgate on it rather than on the pinned Node 24 the npm scripts use. npm puts
 * node_modules/.bin (where the pinned `node` is) first on PATH, so the machine's Node is the
 * first `node` on PATH outside any node_modules directory.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join, sep } from 'node:path';

export interface MachineNode {
  /** Absolute path of its binary. */
  path: string;
  /** `process.versions.node` there, e.g. "20.20.2". */
  version: string;
  /** Whether it has node:sqlite (unflagged from Node 22.13). */
  sqlite: boolean;
  /**
   * An environment whose PATH leaves out node_modules directories, so `npm` and `node` in a
   * child are the machine's, as for a user at a shell.
   */
  env: NodeJS.ProcessEnv;
}

export function machineNode(): MachineNode {
  const path = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '' && !dir.split(sep).includes('node_modules'));
  const binary = path.map((dir) => join(dir, 'node')).find(executable);
  if (binary === undefined) throw new Error(`no node on PATH outside node_modules (PATH=${process.env.PATH})`);
  const env = { ...process.env, PATH: path.join(delimiter) };
  const probe = spawnSync(binary, ['-p', "let sqlite = true; try { require('node:sqlite') } catch { sqlite = false }; JSON.stringify([process.versions.node, sqlite])"], {
    encoding: 'utf8',
    env,
    timeout: 30_000,
  });
  if (probe.status !== 0) throw new Error(`${binary} did not run (${probe.status}): ${probe.stderr}`);
  const [version, sqlite] = JSON.parse(probe.stdout) as [string, boolean];
  return { path: binary, version, sqlite, env };
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
