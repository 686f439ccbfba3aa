/** Running `smsgate send --csv` as a process, and reading what it wrote and what the simulator got. */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SmscSimulator } from '../../src/smpp/simulator';

export const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli', 'main.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  json: Record<string, number>;
}

/** Runs the CLI to its end, bounded by `ms`; whatever its exit code. */
export function smsgate(args: string[], ms = 120_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args], { timeout: ms }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      try {
        resolve({ code, stdout, stderr, json: JSON.parse(stdout) as Record<string, number> });
      } catch {
        reject(new Error(`smsgate ${args.join(' ')} exited ${code} with no JSON: ${stdout}${stderr}`));
      }
    });
  });
}

export interface OutLine {
  row: number;
  to: string;
  id: string | null;
  state: string;
  error: { code: string; message: string; providerCode?: string } | null;
  already?: true;
}

export function readOut(path: string): OutLine[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  // A line being written when it is read is left for the next read.
  return text.split('\n').filter((line) => line.endsWith('}')).map((line) => JSON.parse(line) as OutLine);
}

/** The last line of each row: where it stands. */
export function lastByRow(lines: OutLine[]): Map<number, OutLine> {
  return new Map(lines.map((line) => [line.row, line]));
}

export const numberOf = (i: number) => `+4474001${String(i).padStart(5, '0')}`;

/** Accepted submit_sm (answered ESME_ROK) per destination, as the simulator counted them. */
export function acceptedByDestination(sim: SmscSimulator): Map<string, number> {
  const counts = new Map<string, number>();
  for (const submit of sim.submits) {
    if (submit.commandStatus !== 0) continue;
    const to = `+${submit.destination.addr}`;
    counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}


/**
 * A config (sqlite outbox in `dir`, no guard, one SMPP link to the simulator on `port`) and a CSV
 * of `rows` rows (`to,name`, and `extraColumn` holding k<i> when given).
 */
export function writeBulkFiles(dir: string, port: number, rows: number, extraColumn = ''): { config: string; csv: string } {
  const config = join(dir, 'smsgate.json');
  writeFileSync(config, JSON.stringify({
    store: { type: 'sqlite', path: join(dir, 'outbox.db') },
    guard: { enabled: false },
    transports: [{ id: 'smsc', type: 'smpp', host: '127.0.0.1', port, systemId: 'acme', password: 'pw' }],
  }));
  const csv = join(dir, 'rows.csv');
  const lines = Array.from({ length: rows }, (_, i) => `${numberOf(i)},n${i}${extraColumn ? `,k${i}` : ''}`);
  writeFileSync(csv, `to,name${extraColumn ? `,${extraColumn}` : ''}\n${lines.join('\n')}\n`);
  return { config, csv };
}
