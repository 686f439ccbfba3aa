/**
 * `smsgate send --csv`: one message per row, the template's {{column}} filled from the row.
 * Rows stream through (a large file is never held in memory) and several sends are in flight
 * at once; the command returns once every accepted message has been submitted (or failed).
 * Rows are read only as fast as the gateway submits: the outbox holds at most MAX_WAITING of
 * them, unless none is submitted for the timeout (the link is down), and then the rest are
 * queued to wait for it.
 */
import { createReadStream, createWriteStream, statSync, type WriteStream } from 'node:fs';
import { parse } from 'csv-parse';
import { isSmsGateError, SmsGateError } from '../../errors';
import type { Gateway } from '../../gateway/gateway';
import type { MessageRecord } from '../../store/types';
import { EXIT, errorDocument, type ExitCode, type Output } from '../io';
import type { SenderOptions } from './send';

const SENDS_IN_FLIGHT = 64;
/**
 * Accepted messages not submitted yet: enough that the gateway never runs out of work (ten
 * times its 100 submits in flight), few enough that a file of a million rows is not a million
 * messages in the outbox first (in memory, with the memory store; and a store holding a
 * backlog packs it, which costs time).
 */
const MAX_WAITING = 1000;
const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;

export interface BulkOptions {
  csvPath: string;
  template: string;
  sender: SenderOptions;
  outPath?: string;
  timeoutMs: number;
}

interface RowOutcome {
  row: number;
  to: string;
  id?: string;
  state?: string;
  error?: { code: string; message: string; field?: string };
}

export async function sendBulk(gateway: Gateway, out: Output, options: BulkOptions): Promise<ExitCode> {
  const size = fileSize(options.csvPath);
  const placeholders = [...options.template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  const input = createReadStream(options.csvPath);
  const rows = input.pipe(parse({ columns: true, bom: true, skip_empty_lines: true, trim: true }));
  const log = options.outPath === undefined ? undefined : createWriteStream(options.outPath);
  const progress = process.stderr.isTTY ? new ProgressBar(size, () => input.bytesRead) : undefined;
  const started = Date.now();
  const counts = { total: 0, accepted: 0, rejected: 0, failed: 0, queued: 0 };

  // Accepted messages wait here for the state after QUEUED; a state that arrives before
  // send() has resolved waits in `early` instead.
  const waiting = new Map<string, RowOutcome>();
  const early = new Map<string, MessageRecord>();
  /** Told each time a waiting message moves on. */
  const settled = new Signal();
  const settle = (outcome: RowOutcome, record: MessageRecord) => {
    outcome.state = record.state;
    if (record.error !== null) outcome.error = record.error;
    if (record.state === 'FAILED' || record.state === 'REJECTED') counts.failed++;
    else counts.accepted++;
    write(log, outcome);
    settled.notify();
  };
  let bounded = true;
  gateway.on('state', ({ message, previous }) => {
    // Only the state that follows QUEUED: a later one (the delivery report) would wait in
    // `early` for a send that has long settled, a record kept per row until the end.
    if (message.state === 'QUEUED' || previous !== 'QUEUED') return;
    const outcome = waiting.get(message.id);
    if (outcome === undefined) early.set(message.id, message);
    else {
      waiting.delete(message.id);
      settle(outcome, message);
    }
  });

  const sends = new Set<Promise<void>>();
  const sendEnded = new Signal();
  let rowNumber = 0;
  try {
    for await (const row of rows as AsyncIterable<Record<string, string>>) {
      rowNumber++;
      if (rowNumber === 1) checkColumns(Object.keys(row), placeholders);
      counts.total++;
      const outcome: RowOutcome = { row: rowNumber, to: row.to ?? '' };
      const sent = gateway
        .send({ to: outcome.to, text: fillTemplate(options.template, row), ...options.sender })
        .then((record) => {
          outcome.id = record.id;
          if (record.state === 'REJECTED') {
            early.delete(record.id);
            counts.rejected++;
            outcome.state = record.state;
            outcome.error = record.error ?? undefined;
            write(log, outcome);
            return;
          }
          const settled = early.get(record.id);
          if (settled === undefined) waiting.set(record.id, outcome);
          else {
            early.delete(record.id);
            settle(outcome, settled);
          }
        })
        .catch((err: unknown) => {
          if (!isSmsGateError(err) || err.kind !== 'input') throw err;
          counts.rejected++;
          outcome.error = errorDocument(err);
          write(log, outcome);
        })
        .finally(() => {
          sends.delete(sent);
          sendEnded.notify();
        });
      sends.add(sent);
      progress?.draw(counts.total);
      // Promise.race over the sends in flight would add a reaction to each of them, for every row.
      if (sends.size >= SENDS_IN_FLIGHT) await sendEnded.wait();
      while (bounded && waiting.size >= MAX_WAITING) bounded = await settled.wait(options.timeoutMs);
    }
  } catch (err) {
    if (isSmsGateError(err)) throw err;
    throw new SmsGateError('CSV_INVALID', `${options.csvPath}: ${(err as Error).message}`, { field: '--csv', cause: err });
  }
  if (rowNumber === 0) {
    // Nothing sent is no success: the wrong file, or an export that came out empty.
    throw new SmsGateError('CSV_INVALID', `${options.csvPath}: no rows to send (expected a header line with a "to" column, then a row per message)`, {
      field: '--csv',
    });
  }
  await Promise.all(sends);

  const deadline = Date.now() + options.timeoutMs;
  while (waiting.size > 0 && (await settled.wait(deadline - Date.now())));
  for (const outcome of waiting.values()) {
    counts.queued++;
    write(log, { ...outcome, state: 'QUEUED' });
  }
  progress?.done(counts.total);
  await closeLog(log);

  const seconds = (Date.now() - started) / 1000;
  const summary = { ...counts, seconds, perSecond: seconds > 0 ? Math.round(counts.total / seconds) : counts.total };
  out.result(
    summary,
    `${counts.total} rows: ${counts.accepted} accepted, ${counts.rejected} rejected, ${counts.failed} failed` +
      `${counts.queued ? `, ${counts.queued} still queued` : ''} in ${seconds.toFixed(1)} s (${summary.perSecond}/s)`,
  );
  return counts.accepted === counts.total ? EXIT.ok : EXIT.failed;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    throw new SmsGateError('CSV_INVALID', `cannot read the CSV file ${path}`, { field: '--csv' });
  }
}

/** Refuses the file before anything is sent when a column the template needs is missing. */
function checkColumns(columns: string[], placeholders: string[]): void {
  if (!columns.includes('to')) {
    throw new SmsGateError('CSV_INVALID', `the CSV file needs a "to" column; it has: ${columns.join(', ')}`, {
      field: '--csv',
    });
  }
  const missing = placeholders.filter((name) => !columns.includes(name));
  if (missing.length > 0) {
    throw new SmsGateError('CSV_INVALID', `the template uses {{${missing[0]}}}, which is not a column of the CSV file`, {
      field: '--text',
    });
  }
}

function fillTemplate(template: string, row: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (_, name: string) => row[name] ?? '');
}

function write(log: WriteStream | undefined, outcome: RowOutcome): void {
  log?.write(`${JSON.stringify(outcome)}\n`);
}

function closeLog(log: WriteStream | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (log === undefined) return resolve();
    log.end((err?: Error | null) => (err ? reject(err) : resolve()));
  });
}

/** One awaited event: wait() resolves true at the next notify(), or false once `ms` has passed. */
class Signal {
  private wake: ((notified: boolean) => void) | undefined;

  wait(ms?: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => this.settle(false), Math.max(0, ms));
      this.wake = (notified) => {
        clearTimeout(timer);
        resolve(notified);
      };
    });
  }

  notify(): void {
    this.settle(true);
  }

  private settle(notified: boolean): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.(notified);
  }
}

class ProgressBar {
  private lastDraw = 0;
  private readonly started = Date.now();

  constructor(
    private readonly totalBytes: number,
    private readonly bytesRead: () => number,
  ) {}

  draw(rows: number, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const fraction = this.totalBytes > 0 ? Math.min(1, this.bytesRead() / this.totalBytes) : 1;
    const filled = Math.round(fraction * 30);
    const rate = Math.round(rows / Math.max(0.001, (now - this.started) / 1000));
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${rows} rows, ${rate}/s `);
  }

  done(rows: number): void {
    this.draw(rows, true);
    process.stderr.write('\n');
  }
}
