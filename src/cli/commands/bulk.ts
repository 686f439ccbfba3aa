/**
 * `smsgate send --csv`: one message per row, the template's {{column}} filled from the row.
 * Rows stream through (a large file is never held in memory) and several sends are in flight
 * at once; each row is then followed until it is submitted (or, with --wait, until its final
 * state), each for at most --timeout from its acceptance. Rows are read only as fast as the
 * gateway submits: the outbox holds at most MAX_WAITING of them, unless none is submitted for
 * the timeout (the link is down), and then the rest are queued to wait for it.
 *
 * Each row's send carries an idempotency key made from the file and the row (or taken from
 * --key-column), so running the same file again after a crash sends no row twice: the rows
 * accepted before come back as the messages they are, and are counted as `already`.
 *
 * --out is appended to, one JSON line per event, each written straight to the file (no
 * buffer in this process), so a killed run leaves a line for every row it had accepted:
 * a line when a row is accepted (state QUEUED), and a line when it is settled (SUBMITTED, or
 * with --wait its final state, or the state it was in at the timeout). A reader takes the last
 * line of each row.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, statSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { isSmsGateError, SmsGateError, type ErrorInfo } from '../../errors';
import type { Gateway, ReportEvent } from '../../gateway/gateway';
import type { MessageRecord } from '../../store/types';
import { FINAL_STATES, type MessageState } from '../../types';
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
  /** Follow each row to its final state (DELIVERED, UNDELIVERED, ...), not only to its submit. */
  waitFinal?: boolean;
  /** How long each row is followed from its acceptance, and how long without any submit before rows are no longer held back. */
  timeoutMs: number;
  /** A column whose value is each row's idempotency key, instead of one made from the file and the row number. */
  keyColumn?: string;
}

type RowError = Pick<ErrorInfo, 'message' | 'field' | 'providerCode'> & { code: string };

/** One line of --out. */
interface RowResult {
  row: number;
  /** The recipient in E.164 once the number was read; as the row wrote it when it was refused. */
  to: string;
  /** Null when the row was refused before a message was made (a bad number, a missing key). */
  id: string | null;
  state: MessageState;
  /** Why it failed or waits, with its code: the store's error, or why the row was refused. */
  error: RowError | null;
  /** The row's key had been accepted before (an earlier run of the same file): not sent again. */
  already?: true;
}

export async function sendBulk(gateway: Gateway, out: Output, options: BulkOptions): Promise<ExitCode> {
  const size = fileSize(options.csvPath);
  const keyOf = options.keyColumn === undefined ? await keysFromFile(options) : keysFromColumn(options.keyColumn);
  const placeholders = [...options.template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  const input = createReadStream(options.csvPath);
  const rows = input.pipe(parse({ columns: true, bom: true, skip_empty_lines: true, trim: true }));
  const log = new ResultLog(options.outPath);
  const tally = new Tally(options.waitFinal === true);
  const progress = process.stderr.isTTY ? new ProgressBar(size, () => input.bytesRead) : undefined;
  const started = Date.now();

  // A message this run made is announced (previous: null) before send() resolves; one that
  // comes back for a key accepted before is not.
  const created = new Set<string>();
  /** Told each time a row's message leaves QUEUED. */
  const submitted = new Signal();
  /** Rows accepted and not settled yet (a line of --out still to come); told at each settle. */
  let unsettled = 0;
  const rowSettled = new Signal();

  const settle = (result: RowResult, record: MessageRecord, error: RowError | null = record.error) => {
    result.state = record.state;
    result.error = error ?? reportError(record, reportErrors.get(record.id));
    reportErrors.delete(record.id);
    tally.count(result, record);
    log.write(result);
    progress?.draw(tally);
  };
  const settleFollowed = (row: FollowedRow, record: MessageRecord, error?: RowError | null) => {
    settle(row.result, record, error);
    unsettled--;
    rowSettled.notify();
  };
  // The store failed us while following: the row's last known state stands, with why.
  const followFailed = (row: FollowedRow, err: unknown) => settleFollowed(row, row.accepted, errorDocument(err));
  /** Where a followed row's message stands now: settled, or with --wait followed on to its final state. */
  const followOn = (row: FollowedRow, current: MessageRecord) => {
    const left = row.deadline - Date.now();
    if (tally.waitFinal && current.state !== 'QUEUED' && !FINAL_STATES.has(current.state) && left > 0) {
      gateway.waitFor(current.id, 'final', left).then(
        (final) => settleFollowed(row, final),
        (err: unknown) => followFailed(row, err),
      );
      return;
    }
    settleFollowed(row, current);
  };
  /** The row's message has left QUEUED, or stands as it is at the deadline. */
  const leftQueue = (row: FollowedRow, current: MessageRecord) => {
    if (current.state !== 'QUEUED') {
      tally.leftQueue(current);
      submitted.notify();
    }
    followOn(row, current);
  };
  const submits = new SubmitWatch(gateway, leftQueue, followFailed);
  const onState = ({ message, previous }: { message: MessageRecord; previous: MessageState | null }) => {
    if (previous === null) created.add(message.id);
    else if (previous === 'QUEUED') submits.changed(message);
  };
  gateway.on('state', onState);
  // The message keeps the state a failure report gave, not its error code (the receipt's
  // `err`): that is taken from the reports this process receives, until the row is settled.
  const reportErrors = new Map<string, string>();
  const onReport = ({ report, message }: ReportEvent) => {
    if (message !== undefined && report.errorCode !== undefined && report.state !== 'DELIVERED') {
      reportErrors.set(message.id, report.errorCode);
    }
  };
  gateway.on('report', onReport);
  const stopListening = () => {
    gateway.off('state', onState);
    gateway.off('report', onReport);
    submits.stop();
  };

  const sendRow = async (row: Record<string, string>, number: number) => {
    const result: RowResult = { row: number, to: row.to ?? '', id: null, state: 'REJECTED', error: null };
    let record: MessageRecord;
    try {
      const idempotencyKey = keyOf(row, number);
      record = await gateway.send({ to: result.to, text: fillTemplate(options.template, row), idempotencyKey, ...options.sender });
    } catch (err) {
      if (!isSmsGateError(err) || err.kind !== 'input') throw err;
      result.error = errorDocument(err);
      tally.count(result, undefined);
      log.write(result);
      return;
    }
    result.id = record.id;
    result.to = record.recipient.e164;
    if (!created.delete(record.id)) result.already = true;
    if (record.state !== 'QUEUED') tally.leftQueue(record);
    // Settled at once: refused by the guard or the route table, or (an earlier run's) already where it would be followed to.
    if (record.state === 'REJECTED' || reached(record.state, tally.waitFinal)) return settle(result, record);
    log.writeAccepted(result, record);
    unsettled++;
    const now = Date.now();
    const followed: FollowedRow = { result, accepted: record, since: now, deadline: now + options.timeoutMs };
    if (record.state === 'QUEUED') submits.watch(followed);
    else followOn(followed, record);
  };

  const sends = new Set<Promise<void>>();
  const sendEnded = new Signal();
  /** A send that failed for a reason other than its row (the store, the gateway stopping) ends the run. */
  let fatal: unknown;
  let rowNumber = 0;
  let bounded = true;
  try {
    for await (const row of rows as AsyncIterable<Record<string, string>>) {
      if (fatal !== undefined) throw fatal;
      rowNumber++;
      if (rowNumber === 1) checkColumns(Object.keys(row), placeholders, options.keyColumn);
      tally.total++;
      const sent: Promise<void> = sendRow(row, rowNumber)
        .catch((err: unknown) => void (fatal ??= err))
        .finally(() => {
          sends.delete(sent);
          sendEnded.notify();
        });
      sends.add(sent);
      progress?.draw(tally);
      // Promise.race over the sends in flight would add a reaction to each of them, for every row.
      if (sends.size >= SENDS_IN_FLIGHT) await sendEnded.wait();
      while (bounded && submits.size >= MAX_WAITING) bounded = await submitted.wait(options.timeoutMs);
    }
    await Promise.all(sends);
    if (fatal !== undefined) throw fatal;
  } catch (err) {
    await Promise.all(sends);
    stopListening();
    log.close();
    if (isSmsGateError(err) || err === fatal) throw err;
    throw new SmsGateError('CSV_INVALID', `${options.csvPath}: ${(err as Error).message}`, { field: '--csv', cause: err });
  }
  if (rowNumber === 0) {
    // Nothing sent is no success: the wrong file, or an export that came out empty.
    stopListening();
    log.close();
    throw new SmsGateError('CSV_INVALID', `${options.csvPath}: no rows to send (expected a header line with a "to" column, then a row per message)`, {
      field: '--csv',
    });
  }
  while (unsettled > 0) await rowSettled.wait();
  stopListening();
  progress?.done(tally);
  log.close();

  const seconds = (Date.now() - started) / 1000;
  const summary = { ...tally.summary(), seconds, perSecond: seconds > 0 ? Math.round(tally.total / seconds) : tally.total };
  out.result(summary, tally.describe(seconds, summary.perSecond));
  return tally.succeeded() ? EXIT.ok : EXIT.failed;
}

/** A message whose delivery report said it failed: DELIVERY_FAILED, with the report's code when this process saw it. */
function reportError(record: MessageRecord, providerCode: string | undefined): RowError | null {
  if (!FINAL_STATES.has(record.state) || record.state === 'DELIVERED' || record.submittedAt === null) return null;
  const code = providerCode === undefined ? '' : ` (err ${providerCode})`;
  return {
    code: 'DELIVERY_FAILED',
    message: `the delivery report says ${record.state}${code}`,
    ...(providerCode === undefined ? {} : { providerCode }),
  };
}

/** A row accepted and being followed: its line of --out, its message as accepted, since when and until when. */
interface FollowedRow {
  result: RowResult;
  accepted: MessageRecord;
  since: number;
  deadline: number;
}

/**
 * Rows waiting for their message to leave QUEUED. The gateway's own state changes settle them
 * as they happen, with no store read (the common case: this process submits them); a row still
 * queued after HAND_OVER_MS is handed to Gateway.waitFor, which also sees a submit made by
 * another process sharing the store. A waitFor for every row from the start read each message
 * back and cost a fifth more CPU per row. A row is the one object kept per row while it waits,
 * and is handed to `left` (no promise and closures of its own): those lived until the submit,
 * long enough for the garbage collector to copy them, and with them a bulk run cost ~30% more
 * CPU per row than before rows were followed.
 */
class SubmitWatch {
  private static readonly HAND_OVER_MS = 1000;
  /** How often rows are looked at: a row's timeout is kept to within this. */
  private static readonly SWEEP_MS = 250;
  private readonly watching = new Map<string, FollowedRow>();
  private sweep: NodeJS.Timeout | undefined;
  /** Rows handed to waitFor and not settled yet. */
  private handedOver = 0;

  /**
   * @param left told with the message once it has left QUEUED, or as it stands at the row's deadline
   * @param failed told when the store failed a row handed to waitFor
   */
  constructor(
    private readonly gateway: Gateway,
    private readonly left: (row: FollowedRow, current: MessageRecord) => void,
    private readonly failed: (row: FollowedRow, err: unknown) => void,
  ) {}

  /** Rows waiting for a submit. */
  get size(): number {
    return this.watching.size + this.handedOver;
  }

  watch(row: FollowedRow): void {
    this.sweep ??= setInterval(() => this.handOver(), SubmitWatch.SWEEP_MS);
    this.watching.set(row.accepted.id, row);
  }

  /** The gateway moved a message on from QUEUED (told inside its 'state' event: nothing may throw into it). */
  changed(message: MessageRecord): void {
    const row = this.watching.get(message.id);
    if (row === undefined) return;
    this.watching.delete(message.id);
    this.tell(row, message);
  }

  /** Hands the row on; what `left` throws fails the row instead of escaping (into an event, or a promise nobody awaits). */
  private tell(row: FollowedRow, current: MessageRecord): void {
    try {
      this.left(row, current);
    } catch (err) {
      this.failed(row, err);
    }
  }

  stop(): void {
    clearInterval(this.sweep);
    this.sweep = undefined;
  }

  private handOver(): void {
    const now = Date.now();
    for (const [id, row] of this.watching) {
      if (now - row.since < SubmitWatch.HAND_OVER_MS && now < row.deadline) continue;
      this.watching.delete(id);
      this.handedOver++;
      this.gateway.waitFor(id, 'submitted', Math.max(0, row.deadline - now)).then(
        (current) => {
          this.handedOver--;
          this.tell(row, current);
        },
        (err: unknown) => {
          this.handedOver--;
          this.failed(row, err);
        },
      );
    }
    if (this.watching.size === 0 && this.handedOver === 0) this.stop();
  }
}

/** Whether a row in `state` needs no more following: submitted, or with --wait final. */
function reached(state: MessageState, waitFinal: boolean): boolean {
  return waitFinal ? FINAL_STATES.has(state) : state !== 'QUEUED';
}

/**
 * Rows counted by where they ended. `accepted` (submitted to the SMSC or modem), `rejected`
 * (refused before sending: bad input, the guard, the route table), `failed` (could not be
 * submitted) and `queued` (not submitted by the timeout) add up to `total`. With --wait the
 * final states add up to `total` too: delivered, undelivered, expired, deleted, unknown,
 * rejected (before sending, or by the SMSC's report), failed, and pending (not final by the
 * timeout). `already` counts the rows an earlier run had accepted; they are counted above too.
 */
class Tally {
  total = 0;
  accepted = 0;
  rejected = 0;
  failed = 0;
  queued = 0;
  already = 0;
  /** Rows whose message has left QUEUED for the SMSC so far (settled or not), for the progress bar. */
  submitted = 0;
  private readonly final = { delivered: 0, undelivered: 0, expired: 0, deleted: 0, unknown: 0, rejectedBySmsc: 0, pending: 0 };

  constructor(readonly waitFinal: boolean) {}

  /** `record` is undefined for a row refused before a message was made. */
  count(result: RowResult, record: MessageRecord | undefined): void {
    if (result.already) this.already++;
    const state = result.state;
    if (record === undefined || (state === 'REJECTED' && record.submittedAt === null)) this.rejected++;
    else if (state === 'FAILED') this.failed++;
    else if (state === 'QUEUED') this.queued++;
    else this.accepted++;
    if (!this.waitFinal || record === undefined || record.submittedAt === null || state === 'FAILED') return;
    if (state === 'REJECTED') this.final.rejectedBySmsc++;
    else if (!FINAL_STATES.has(state)) this.final.pending++;
    else this.final[state.toLowerCase() as 'delivered' | 'undelivered' | 'expired' | 'deleted' | 'unknown']++;
  }

  /** A row's message has left QUEUED. */
  leftQueue(record: MessageRecord): void {
    if (record.submittedAt !== null) this.submitted++;
  }

  get delivered(): number {
    return this.final.delivered;
  }

  summary() {
    const submission = { total: this.total, accepted: this.accepted, rejected: this.rejected, failed: this.failed, queued: this.queued, already: this.already };
    if (!this.waitFinal) return submission;
    const { rejectedBySmsc, pending, ...final } = this.final;
    return { ...submission, ...final, rejected: this.rejected + rejectedBySmsc, pending: pending + this.queued };
  }

  describe(seconds: number, perSecond: number): string {
    const s = this.summary() as Record<string, number>;
    const parts = Object.entries(s)
      .filter(([name, n]) => name !== 'total' && (n > 0 || name === 'accepted'))
      .map(([name, n]) => `${n} ${name}`);
    return `${this.total} rows: ${parts.join(', ')} in ${seconds.toFixed(1)} s (${perSecond}/s)`;
  }

  /** Every row submitted; with --wait, every row delivered. */
  succeeded(): boolean {
    return this.waitFinal ? this.final.delivered === this.total : this.accepted === this.total;
  }
}

/**
 * The file's rows keyed by a digest of what is sent (the file's bytes, the template and the
 * sender) and the row number: the same file sent again with the same text is recognised row by
 * row; a changed file or text is a new send.
 */
async function keysFromFile(options: BulkOptions): Promise<(row: Record<string, string>, number: number) => string> {
  const hash = createHash('sha256');
  hash.update(`smsgate bulk\0${options.template}\0${options.sender.from ?? ''}\0${options.sender.fromType ?? ''}\0`);
  await pipeline(createReadStream(resolve(options.csvPath)), hash);
  const digest = hash.digest('hex').slice(0, 32);
  return (_row, number) => `csv:${digest}:${number}`;
}

function keysFromColumn(column: string): (row: Record<string, string>, number: number) => string {
  return (row, number) => {
    const key = row[column];
    if (key === undefined || key === '') {
      throw new SmsGateError('CSV_INVALID', `row ${number} has no value in the key column "${column}"`, { field: '--key-column' });
    }
    return key;
  };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    throw new SmsGateError('CSV_INVALID', `cannot read the CSV file ${path}`, { field: '--csv' });
  }
}

/** Refuses the file before anything is sent when a column the template or the key needs is missing. */
function checkColumns(columns: string[], placeholders: string[], keyColumn: string | undefined): void {
  if (!columns.includes('to')) {
    throw new SmsGateError('CSV_INVALID', `the CSV file needs a "to" column; it has: ${columns.join(', ')}`, {
      field: '--csv',
    });
  }
  if (keyColumn !== undefined && !columns.includes(keyColumn)) {
    throw new SmsGateError('CSV_INVALID', `--key-column names "${keyColumn}", which is not a column of the CSV file`, {
      field: '--key-column',
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

/** --out: appended to, each line handed to the file as it is written, so a killed run loses none. */
class ResultLog {
  private readonly fd: number | undefined;
  private failure: Error | undefined;

  constructor(private readonly path: string | undefined) {
    try {
      this.fd = path === undefined ? undefined : openSync(path, 'a');
    } catch (err) {
      throw new SmsGateError('OPTION_INVALID', `cannot open ${path} for --out: ${(err as Error).message}`, { field: '--out' });
    }
  }

  /** A write that fails (a full disk) stops the log, and close() reports it: the rows go on. */
  write(result: RowResult): void {
    if (this.fd === undefined || this.failure !== undefined) return;
    try {
      writeSync(this.fd, `${JSON.stringify(result)}\n`);
    } catch (err) {
      this.failure = err as Error;
    }
  }

  /** A row's first line: its message as accepted (`result` itself is filled in when the row settles). */
  writeAccepted(result: RowResult, record: MessageRecord): void {
    // The line's object is made only for a file: without --out it was one more object per row.
    if (this.fd !== undefined) this.write({ ...result, state: record.state, error: record.error });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    if (this.failure !== undefined) throw new Error(`writing ${this.path} (--out) failed: ${this.failure.message}`);
  }
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

  draw(tally: Tally, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const fraction = this.totalBytes > 0 ? Math.min(1, this.bytesRead() / this.totalBytes) : 1;
    const filled = Math.round(fraction * 30);
    const rate = Math.round(tally.total / Math.max(0.001, (now - this.started) / 1000));
    const delivered = tally.waitFinal ? `, ${tally.delivered} delivered` : '';
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${tally.total} rows, ${tally.submitted} submitted${delivered}, ${rate}/s `,
    );
  }

  done(tally: Tally): void {
    this.draw(tally, true);
    process.stderr.write('\n');
  }
}
