/**
 * The embedded default store: one SQLite file through node:sqlite (built into Node >= 22.13).
 *
 * Messages are kept as JSON documents beside the few columns the outbox queries on. WAL mode
 * and a busy timeout let several processes (a Node-RED and a CLI, an n8n sender and its
 * trigger) share one file. synchronous=NORMAL: a committed message survives the process being
 * killed; only a power cut can lose the last transactions.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { SmsGateError, type ErrorInfo } from '../errors';
import { freeze } from './frozen-record';
import type { AcceptedSegment, InboundMessage, InboundPart } from '../transport/types';
import { onceKey } from './feed-once';
import { inboundGroupKey } from './inbound-parts';
import { SLOT_SPAN_MS, slotGap } from './submit-slots';
import { acceptSegments, applySegmentReport, bySegment, keepsLinkWait, markFailed, markRetry, markSubmitted, restingSince, takesReport } from './lifecycle';
import type { MessageState } from '../types';
import type {
  FeedEvent,
  FeedKind,
  FeedPayload,
  MessageRecord,
  ProviderLink,
  PurgeResult,
  QuotaCap,
  QuotaResult,
  ReportCondition,
  RetentionPolicy,
  Store,
  StoredInbound,
  Transition,
} from './types';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  id TEXT PRIMARY KEY,
  idempotency_key TEXT,
  state TEXT NOT NULL,
  priority INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER,
  doc TEXT NOT NULL
);
-- Partial indexes: only queued messages and messages with a key are in them, so the many
-- state changes after QUEUED, and messages without a key, write no index pages. The queue
-- index holds the lease too, so that claimDue passes over the messages being submitted (the
-- oldest, first in its order) without reading their rows.
CREATE UNIQUE INDEX IF NOT EXISTS messages_idempotency ON messages (idempotency_key) WHERE idempotency_key IS NOT NULL;
DROP INDEX IF EXISTS messages_due;
CREATE INDEX IF NOT EXISTS messages_queue ON messages (priority DESC, next_attempt_at, lease_until) WHERE state = 'QUEUED';
-- Messages set aside for a link, one row per transport of their route they wait for.
CREATE TABLE IF NOT EXISTS link_waits (
  transport_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  PRIMARY KEY (transport_id, message_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS link_waits_message ON link_waits (message_id);
-- Provider ids → messages. An SMSC hands an id out again (after a restart, or wrapping its
-- counter), so one (transport, provider id) links every message it was given to, newest first.
CREATE TABLE IF NOT EXISTS provider_links (
  transport_id TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  linked_at INTEGER NOT NULL,
  message_id TEXT NOT NULL,
  segment INTEGER NOT NULL,
  recipient TEXT NOT NULL,
  PRIMARY KEY (transport_id, provider_id, linked_at, message_id, segment)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inbound (
  id TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS inbound_received ON inbound (received_at);
CREATE TABLE IF NOT EXISTS inbound_parts (
  group_key TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (group_key, sequence)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS opt_out (
  e164 TEXT PRIMARY KEY,
  at INTEGER NOT NULL
) WITHOUT ROWID;
-- The guard's rate quotas (takeQuota): one row per event counted under a key, within its window.
CREATE TABLE IF NOT EXISTS quota_events (
  key TEXT NOT NULL,
  token TEXT NOT NULL,
  at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (key, token)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS quota_events_expiry ON quota_events (expires_at);
-- Store.readNote / writeNote: small facts transports keep across restarts.
CREATE TABLE IF NOT EXISTS notes (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  at INTEGER NOT NULL
) WITHOUT ROWID;
-- The event feed (Store.joinFeed and the rest). AUTOINCREMENT: a sequence number is never
-- handed out again after the events before it were trimmed, so a group's place stays true.
CREATE TABLE IF NOT EXISTS feed (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  at INTEGER NOT NULL,
  doc TEXT NOT NULL
);
-- One row per listener (consumer group): its kinds (JSON), the last sequence number it has gone past.
CREATE TABLE IF NOT EXISTS feed_groups (
  listener TEXT PRIMARY KEY,
  kinds TEXT NOT NULL,
  cursor INTEGER NOT NULL,
  seen_at INTEGER NOT NULL
) WITHOUT ROWID;
-- The keys of the keyed events appended (feed-once.ts): a key here is not appended again. Kept
-- as the events would be (the newest maxEvents, none older than a trim's cutoff), not dropped
-- with its event once every group has acknowledged it.
CREATE TABLE IF NOT EXISTS feed_once (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  at INTEGER NOT NULL
);
-- Events handed to a consumer and not acknowledged yet, leased until lease_until.
CREATE TABLE IF NOT EXISTS feed_pending (
  listener TEXT NOT NULL,
  seq INTEGER NOT NULL,
  consumer TEXT NOT NULL,
  lease_until INTEGER NOT NULL,
  PRIMARY KEY (listener, seq)
) WITHOUT ROWID;
-- Store.takeSubmitSlot / pauseSubmits (submit-slots.ts), per SMSC account: how many slots it has
-- taken (the number of the newest) and its pause; and the times of its newest slots by number.
CREATE TABLE IF NOT EXISTS submit_accounts (
  account TEXT PRIMARY KEY,
  taken INTEGER NOT NULL,
  paused_until INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS submit_slots (
  account TEXT NOT NULL,
  number INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (account, number)
) WITHOUT ROWID;
`;

/**
 * Columns added after the first release, for files made before them: since when a message rests
 * (lifecycle.ts restingSince; null while the outbox works on it) and whether it was refused at
 * acceptance, which retention keeps a shorter time.
 */
const ADDED_COLUMNS: [string, string][] = [
  ['rest_at', 'INTEGER'],
  ['refused', 'INTEGER NOT NULL DEFAULT 0'],
];
const RESTING_INDEX = 'CREATE INDEX IF NOT EXISTS messages_resting ON messages (refused, rest_at) WHERE rest_at IS NOT NULL';

/**
 * Files made before provider_links kept one message per (transport, provider id) in provider_ids:
 * its links move over, each with its message's recipient and submit time, in one transaction (a
 * second process opening the file at the same time finds the table gone and does nothing).
 */
const PROVIDER_IDS_MIGRATION = `
INSERT OR IGNORE INTO provider_links (transport_id, provider_id, linked_at, message_id, segment, recipient)
  SELECT p.transport_id, p.provider_id,
         COALESCE(json_extract(m.doc, '$.submittedAt'), m.created_at, 0), p.message_id, p.segment,
         COALESCE(json_extract(m.doc, '$.recipient.e164'), '')
  FROM provider_ids p LEFT JOIN messages m ON m.id = p.message_id;
DROP TABLE provider_ids;
`;

/** Messages purged per transaction, so a purge never holds the write lock long. */
const PURGE_CHUNK = 2000;

/** A write transaction shared by the writes of one event-loop turn (see SqliteStore.write). */
interface Batch {
  committed: Promise<void>;
  commit(): void;
  fail(err: unknown): void;
}

/**
 * Stores of this process with a batch open, by file. Another store on the same file (two
 * gateways in one process) cannot begin its own write transaction until that batch commits, and
 * waiting for it would block the event loop the commit needs: it commits the batch first.
 */
const openBatches = new Map<string, Set<SqliteStore>>();

/** node:sqlite is loaded only when a sqlite store is used, so the package still runs on Node 20. */
function loadSqlite(): typeof import('node:sqlite') {
  try {
    return require('node:sqlite') as typeof import('node:sqlite');
  } catch (cause) {
    throw new SmsGateError(
      'STORE_UNAVAILABLE',
      `the sqlite store needs node:sqlite (Node.js >= 22.13); this is Node.js ${process.versions.node}. ` +
        'Run on Node 22.13+ or use store.type "memory"',
      { field: 'store.type', cause },
    );
  }
}

export class SqliteStore implements Store {
  readonly type = 'sqlite';
  private db: DatabaseSync | undefined;
  private statements = new Map<string, StatementSync>();
  /** updateStatement's, by condition: ending the lease, and leaving it. */
  private readonly updatesEndingLease = new Map<string, StatementSync>();
  private readonly updatesKeepingLease = new Map<string, StatementSync>();
  private batch: Batch | undefined;
  private readonly file: string;
  /**
   * The records this connection claimed or changed last, frozen, by id, so that the updates
   * after a claim (submitted, then the receipt) need not read and parse the row again (that was
   * a third of an update's cost). Not filled on insert: a backlog would push out the records in
   * flight, which are the ones updated. Used only inside a write transaction, and trusted only
   * while no other connection has committed: each transaction begins by asking PRAGMA
   * data_version, which moves when another one (another process) has, and then the cache is
   * emptied.
   */
  private readonly recent = new RecentRecords(RECENT_RECORDS);
  private dataVersion: unknown;

  constructor(readonly path: string) {
    this.file = path === ':memory:' ? `:memory:${Math.random()}` : resolve(path);
  }

  async open(): Promise<void> {
    const { DatabaseSync } = loadSqlite();
    try {
      if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
      this.db = new DatabaseSync(this.path, { timeout: 5000 });
      // Checkpoints are where WAL mode syncs to disk: fewer, larger ones keep the hot path free.
      this.db.exec(
        'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 16384; PRAGMA journal_size_limit = 67108864;',
      );
      this.db.exec(SCHEMA);
      const columns = new Set(this.db.prepare('PRAGMA table_info(messages)').all().map((row) => row.name as string));
      let added = false;
      for (const [name, type] of ADDED_COLUMNS.filter(([column]) => !columns.has(column))) {
        try {
          this.db.exec(`ALTER TABLE messages ADD COLUMN ${name} ${type}`);
          added = true;
        } catch (err) {
          // Another process opening the same old file added it first: it fills the column in.
          if (!/duplicate column/i.test((err as Error).message)) throw err;
        }
      }
      if (added) this.backfillResting(this.db);
      this.db.exec(RESTING_INDEX);
      this.migrateProviderIds(this.db);
    } catch (cause) {
      throw new SmsGateError('STORE_ERROR', `store.path: cannot open or write the sqlite store at ${this.path}: ${(cause as Error).message}`, {
        field: 'store.path',
        cause,
      });
    }
  }

  private migrateProviderIds(db: DatabaseSync): void {
    const exists = () => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'provider_ids'").get() !== undefined;
    if (exists()) inTransaction(db, () => exists() && db.exec(PROVIDER_IDS_MIGRATION));
  }

  /** A file from before retention: the messages it holds that are done get their rest_at, once, so they are purged too. */
  private backfillResting(db: DatabaseSync): void {
    inTransaction(db, () => {
      const update = db.prepare('UPDATE messages SET rest_at = ?, refused = ? WHERE id = ?');
      for (const row of db.prepare("SELECT doc FROM messages WHERE state <> 'QUEUED'").iterate()) {
        const record = JSON.parse(row.doc as string) as MessageRecord;
        update.run(...resting(record), record.id);
      }
    });
  }

  async close(): Promise<void> {
    this.commitBatch();
    this.statements.clear();
    this.updatesEndingLease.clear();
    this.updatesKeepingLease.clear();
    this.db?.close();
    this.db = undefined;
  }

  private sql(text: string): StatementSync {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      if (this.db === undefined) throw new SmsGateError('STORE_ERROR', 'the sqlite store is not open');
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /**
   * Runs `work` as one atomic write; resolves once it is committed.
   *
   * Group commit: the writes made while handling one event (an I/O callback and every promise
   * continuation it sets off) share a write transaction (BEGIN IMMEDIATE, which also locks out
   * other processes), each in a savepoint of its own, so each is still atomic and one that
   * throws is undone alone. The transaction commits once that work is done (process.nextTick
   * runs when the microtask queue is empty), and only then do the writes' promises resolve:
   * what a caller is told is stored is committed, as with a transaction per write, and the
   * lock is never held across a turn of the event loop. Each commit writes every page it
   * touched to the WAL, one page per row or index entry changed: writes that share a commit
   * share those writes, and the system calls.
   *
   * `oneChange`: `work` changes the database with one statement at most, and SQLite undoes a
   * statement that fails by itself, so the savepoint (two more statements per write) is left out.
   *
   * `beforeCommit`: resolves with `work`'s answer at once, for a decision whose writes the
   * caller's next writes (in the same turn, so the same batch) are committed with, or lost with.
   */
  private write<T>(work: () => T, oneChange = false, beforeCommit = false): Promise<T> {
    let batch: Batch;
    try {
      batch = this.batch ?? this.beginBatch();
      if (!oneChange) this.sql('SAVEPOINT write').run();
    } catch (err) {
      return Promise.reject(err);
    }
    try {
      const result = work();
      if (!oneChange) this.sql('RELEASE write').run();
      return beforeCommit ? Promise.resolve(result) : batch.committed.then(() => result);
    } catch (err) {
      this.recent.clear(); // whatever this write cached may be undone
      if (this.db?.isTransaction) {
        if (!oneChange) {
          this.sql('ROLLBACK TO write').run();
          this.sql('RELEASE write').run();
        }
      } else {
        // SQLite rolled the whole transaction back (a full disk, an I/O error): the batch's
        // other writes are gone with it.
        this.endBatch();
        batch.fail(err);
      }
      return Promise.reject(err);
    }
  }

  /**
   * Reads see this connection's writes not yet committed; so that nobody acts on one that may
   * still be rolled back, a read made while a batch is open resolves once it is committed.
   */
  private read<T>(work: () => T): Promise<T> {
    try {
      const result = work();
      return this.batch === undefined ? Promise.resolve(result) : this.batch.committed.then(() => result);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private beginBatch(): Batch {
    for (const other of openBatches.get(this.file) ?? []) other.commitBatch();
    this.sql('BEGIN IMMEDIATE').run();
    const dataVersion = this.sql('PRAGMA data_version').get()?.data_version;
    if (dataVersion !== this.dataVersion) this.recent.clear();
    this.dataVersion = dataVersion;
    let commit!: () => void;
    let fail!: (err: unknown) => void;
    const committed = new Promise<void>((resolve, reject) => {
      commit = resolve;
      fail = reject;
    });
    committed.catch(() => undefined); // each write and read that waits on it gets the failure
    const batch: Batch = { committed, commit, fail };
    this.batch = batch;
    const open = openBatches.get(this.file) ?? new Set<SqliteStore>();
    openBatches.set(this.file, open.add(this));
    process.nextTick(() => this.commitBatch(batch));
    return batch;
  }

  private endBatch(): void {
    this.batch = undefined;
    const open = openBatches.get(this.file);
    open?.delete(this);
    if (open?.size === 0) openBatches.delete(this.file);
  }

  /** Commits the open batch (`only` that one, when given): its writes and reads resolve, or all reject. */
  private commitBatch(only?: Batch): void {
    const batch = this.batch;
    if (batch === undefined || (only !== undefined && batch !== only)) return;
    this.endBatch();
    try {
      this.sql('COMMIT').run();
      batch.commit();
    } catch (err) {
      this.recent.clear();
      if (this.db?.isTransaction) this.sql('ROLLBACK').run();
      batch.fail(err);
    }
  }

  insertMessage(record: MessageRecord): Promise<{ record: MessageRecord; created: boolean }> {
    return this.write(() => {
      if (record.idempotencyKey !== null) {
        const row = this.sql('SELECT doc FROM messages WHERE idempotency_key = ?').get(record.idempotencyKey);
        if (row !== undefined) return { record: JSON.parse(row.doc as string) as MessageRecord, created: false };
      }
      this.sql(
        `INSERT INTO messages (id, idempotency_key, state, priority, next_attempt_at, created_at, rest_at, refused, doc)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        record.id,
        record.idempotencyKey,
        record.state,
        record.priority,
        record.nextAttemptAt,
        record.createdAt,
        ...resting(record),
        JSON.stringify(record),
      );
      return { record, created: true };
    }, true);
  }

  getMessage(id: string): Promise<MessageRecord | undefined> {
    return this.read(() => {
      const row = this.sql('SELECT doc FROM messages WHERE id = ?').get(id);
      return row === undefined ? undefined : (JSON.parse(row.doc as string) as MessageRecord);
    });
  }

  /**
   * The one way a message changes: in a write, reads it (from `recent` when it can), builds the
   * next record with `change` (undefined: leave it) and stores it, only if the row still meets
   * `where` (SQL on the row, such as the lease's owner), ending the lease. Atomic: a savepoint
   * in the write transaction, which also locks out other processes.
   */
  private transition(
    id: string,
    change: (current: MessageRecord) => MessageRecord | undefined,
    where: Where = { sql: '', params: [] },
    alsoInWrite?: (next: MessageRecord) => void,
  ): Promise<Transition | undefined> {
    return this.write(() => this.transitionInWrite(id, change, where, alsoInWrite));
  }

  private transitionInWrite(
    id: string,
    change: (current: MessageRecord) => MessageRecord | undefined,
    where: Where,
    alsoInWrite?: (next: MessageRecord) => void,
  ): Transition | undefined {
    {
      const current = this.recordInWrite(id);
      if (current === undefined) return undefined;
      const changed = change(current);
      if (changed === undefined) return undefined;
      const next = freeze(changed);
      const result = this.updateStatement(where).run(next.state, next.priority, next.nextAttemptAt, ...resting(next), JSON.stringify(next), id, ...where.params);
      if (Number(result.changes) === 0) return undefined;
      // Only a message retried or set aside can be waiting for a link.
      if (current.state === 'QUEUED' && current.error !== null && !keepsLinkWait(current, next)) {
        this.sql('DELETE FROM link_waits WHERE message_id = ?').run(id);
      }
      alsoInWrite?.(next);
      this.recent.set(next);
      return { record: next, previous: current.state };
    }
  }

  /**
   * A transition's UPDATE, by its condition (`where.sql`, always one of a few constant texts) and
   * whether it ends the lease (a report leaves the lease alone: it may race ahead of the submit
   * being recorded). Prepared once each: building the whole text for every transition and looking
   * it up by that text hashed all of it each time.
   */
  private updateStatement(where: Where): StatementSync {
    const endsLease = where.endsLease !== false;
    const prepared = endsLease ? this.updatesEndingLease : this.updatesKeepingLease;
    let statement = prepared.get(where.sql);
    if (statement === undefined) {
      const lease = endsLease ? 'lease_owner = NULL, lease_until = NULL,' : '';
      statement = this.sql(
        `UPDATE messages SET state = ?, priority = ?, next_attempt_at = ?, rest_at = ?, refused = ?, ${lease} doc = ?
         WHERE id = ?${where.sql}`,
      );
      prepared.set(where.sql, statement);
    }
    return statement;
  }

  /** Outbox steps: only while QUEUED, and (with an owner) leased by it. */
  private outboxStep(
    id: string,
    owner: string | null,
    change: (current: MessageRecord) => MessageRecord,
    alsoInWrite?: (next: MessageRecord) => void,
  ): Promise<Transition | undefined> {
    return this.transition(id, (current) => (current.state === 'QUEUED' ? change(current) : undefined), queuedWhere(owner), alsoInWrite);
  }

  markSubmitted(
    id: string,
    _owner: string,
    { transportId, providerIds, now }: { transportId: string; providerIds: string[]; now: number },
  ): Promise<Transition | undefined> {
    return this.write(() => {
      // Linked whatever the state: the submit happened, and its reports are about this message.
      const message = this.recordInWrite(id);
      if (message !== undefined) this.link(id, message.recipient.e164, transportId, bySegment(providerIds), now);
      return this.transitionInWrite(
        id,
        (current) => (current.state === 'QUEUED' ? markSubmitted(current, transportId, providerIds, now) : undefined),
        queuedWhere(null),
      );
    });
  }

  acceptSegments(
    id: string,
    _owner: string,
    { transportId, segments, now }: { transportId: string; segments: readonly AcceptedSegment[]; now: number },
  ): Promise<Transition | undefined> {
    return this.write(() => {
      // Linked whatever the state, as by markSubmitted: these submits happened.
      const message = this.recordInWrite(id);
      if (message === undefined) return undefined;
      this.link(id, message.recipient.e164, transportId, segments, now);
      // The lease is left as it is: while segments remain the outbox retries them under it, and
      // a lease on a message no longer QUEUED is never looked at.
      return this.transitionInWrite(
        id,
        (current) => (current.state === 'QUEUED' ? acceptSegments(current, transportId, segments, now) : undefined),
        { sql: " AND state = 'QUEUED'", params: [], endsLease: false },
      );
    });
  }

  retry(
    id: string,
    owner: string,
    { attempts, at, error, now }: { attempts: number; at: number; error: ErrorInfo | null; now: number },
  ): Promise<Transition | undefined> {
    return this.outboxStep(id, owner, (current) => markRetry(current, error, attempts, at, now));
  }

  setAside(
    id: string,
    owner: string,
    { waitingFor, until, error, now }: { waitingFor: string[]; until: number; error: ErrorInfo; now: number },
  ): Promise<Transition | undefined> {
    return this.outboxStep(
      id,
      owner,
      (current) => markRetry(current, error, current.attempts, until, now),
      () => {
        const wait = this.sql('INSERT OR IGNORE INTO link_waits (transport_id, message_id) VALUES (?, ?)');
        for (const transportId of waitingFor) wait.run(transportId, id);
      },
    );
  }

  fail(id: string, owner: string | null, { error, now }: { error: ErrorInfo; now: number }): Promise<Transition | undefined> {
    const change = (current: MessageRecord) => (current.state === 'QUEUED' ? markFailed(current, error, now) : undefined);
    if (owner !== null) return this.transition(id, change, queuedWhere(owner));
    // No owner: an operator's drop, only under no live lease.
    return this.transition(id, change, { sql: " AND state = 'QUEUED' AND (lease_until IS NULL OR lease_until <= ?)", params: [now] });
  }

  applyReport(
    id: string,
    segment: number,
    state: MessageState,
    now: number,
    condition: ReportCondition = 'unreported',
  ): Promise<Transition | undefined> {
    // One statement (a report leaves the lease and any wait for a link as they are), so no savepoint.
    return this.write(
      () =>
        this.transitionInWrite(
          id,
          (current) => (takesReport(current, segment, condition) ? applySegmentReport(current, segment, state, now) : undefined),
          { sql: '', params: [], endsLease: false },
        ),
      true,
    );
  }

  claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<MessageRecord[]> {
    return this.write(() => {
      // One statement leases them all; RETURNING gives its rows in no set order, so they are put
      // back in the queue's: priority, due time, then the order they were queued in (rowid).
      const rows = this.sql(
        `UPDATE messages SET lease_owner = ?, lease_until = ?
         WHERE rowid IN (
           SELECT rowid FROM messages
           WHERE state = 'QUEUED' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
           ORDER BY priority DESC, next_attempt_at LIMIT ?)
         RETURNING rowid, id, priority, next_attempt_at, doc`,
      ).all(owner, now + leaseMs, now, now, limit);
      rows.sort(
        (a, b) =>
          (b.priority as number) - (a.priority as number) ||
          (a.next_attempt_at as number) - (b.next_attempt_at as number) ||
          (a.rowid as number) - (b.rowid as number),
      );
      return rows.map((row) => this.recent.get(row.id as string) ?? this.remember(row.doc as string));
    });
  }

  renewLeases(ids: string[], owner: string, until: number): Promise<string[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.write(() => {
      const renew = this.sql(
        `UPDATE messages SET lease_until = ? WHERE id = ? AND state = 'QUEUED' AND lease_owner = ? RETURNING id`,
      );
      return ids.filter((id) => renew.get(until, id, owner) !== undefined);
    });
  }

  releaseLease(id: string, owner: string): Promise<void> {
    return this.write(() => {
      this.sql('UPDATE messages SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?').run(id, owner);
    }, true);
  }

  wakeWaitingFor(transportId: string, now: number): Promise<number> {
    return this.write(() => {
      const woken = this.sql(
        `UPDATE messages SET next_attempt_at = ?, doc = json_set(doc, '$.nextAttemptAt', ?)
         WHERE id IN (SELECT message_id FROM link_waits WHERE transport_id = ?) AND state = 'QUEUED' AND next_attempt_at > ?
         RETURNING id`,
      ).all(now, now, transportId, now);
      // They no longer wait for any link: woken once, by the first of their transports to come up.
      this.sql('DELETE FROM link_waits WHERE message_id IN (SELECT message_id FROM link_waits WHERE transport_id = ?)').run(transportId);
      for (const row of woken) this.recent.delete(row.id as string); // changed here, not through the cache
      return woken.length;
    });
  }

  purge(now: number, retention: RetentionPolicy): Promise<PurgeResult> {
    const finalCutoff = now - retention.finalDays * DAY;
    const refusedCutoff = now - retention.refusedHours * HOUR;
    const inboundCutoff = now - retention.inboundDays * DAY;
    const chunk = () =>
      this.write(() => {
        const rows = this.sql(
          `DELETE FROM messages WHERE rowid IN (
             SELECT rowid FROM messages WHERE refused = 0 AND rest_at < ? AND rest_at IS NOT NULL
             UNION ALL SELECT rowid FROM messages WHERE refused = 1 AND rest_at < ? AND rest_at IS NOT NULL
             LIMIT ?)
           RETURNING id, json_extract(doc, '$.transportId') AS transport_id, json_extract(doc, '$.providerIds') AS provider_ids`,
        ).all(finalCutoff, refusedCutoff, PURGE_CHUNK);
        const unlink = this.sql('DELETE FROM provider_links WHERE transport_id = ? AND provider_id = ? AND message_id = ?');
        for (const row of rows) {
          this.recent.delete(row.id as string);
          if (row.transport_id === null) continue;
          for (const providerId of JSON.parse(row.provider_ids as string) as (string | null)[]) {
            if (providerId !== null) unlink.run(row.transport_id, providerId, row.id);
          }
        }
        return rows.length;
      });
    const inbound = () =>
      this.write(() => Number(this.sql('DELETE FROM inbound WHERE received_at < ?').run(inboundCutoff).changes), true);
    return (async () => {
      let messages = 0;
      // Bounded: each chunk deletes what rests past its time, which only shrinks.
      for (let deleted = PURGE_CHUNK; deleted === PURGE_CHUNK; ) {
        deleted = await chunk();
        messages += deleted;
      }
      return { messages, inbound: await inbound() };
    })();
  }

  nextDue(): Promise<number | null> {
    return this.read(() => {
      const row = this.sql("SELECT MIN(next_attempt_at) AS due FROM messages WHERE state = 'QUEUED'").get();
      return (row?.due as number | null | undefined) ?? null;
    });
  }

  countByState(): Promise<Partial<Record<MessageState, number>>> {
    return this.read(() => {
      const counts: Partial<Record<MessageState, number>> = {};
      for (const row of this.sql('SELECT state, COUNT(*) AS n FROM messages GROUP BY state').all()) {
        counts[row.state as MessageState] = Number(row.n);
      }
      return counts;
    });
  }

  /** A message as stored, inside a write transaction (see `recent`). */
  private recordInWrite(id: string): MessageRecord | undefined {
    const cached = this.recent.get(id);
    if (cached !== undefined) return cached;
    const row = this.sql('SELECT doc FROM messages WHERE id = ?').get(id);
    return row === undefined ? undefined : this.remember(row.doc as string);
  }

  private remember(doc: string): MessageRecord {
    const record = freeze(JSON.parse(doc) as MessageRecord);
    this.recent.set(record);
    return record;
  }

  private link(messageId: string, recipient: string, transportId: string, segments: readonly AcceptedSegment[], linkedAt: number): void {
    const link = this.sql(
      `INSERT OR REPLACE INTO provider_links (transport_id, provider_id, linked_at, message_id, segment, recipient)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    segments.forEach(({ providerId, segment }) => {
      // An SMSC that gave no id: no report can name it.
      if (providerId !== '') link.run(transportId, providerId, linkedAt, messageId, segment, recipient);
    });
  }

  findByProviderId(transportId: string, providerId: string): Promise<ProviderLink[]> {
    return this.read(() =>
      this.sql(
        `SELECT message_id, segment, recipient, linked_at FROM provider_links WHERE transport_id = ? AND provider_id = ?
         ORDER BY linked_at DESC, message_id DESC`,
      )
        .all(transportId, providerId)
        .map((row) => ({
          messageId: row.message_id as string,
          segment: Number(row.segment),
          recipient: row.recipient as string,
          linkedAt: Number(row.linked_at),
        })),
    );
  }

  saveInbound(message: InboundMessage): Promise<StoredInbound> {
    return this.write(() => {
      const stored = { ...message, id: randomUUID() };
      this.sql('INSERT INTO inbound (id, received_at, doc) VALUES (?, ?, ?)').run(
        stored.id,
        stored.receivedAt,
        JSON.stringify(stored),
      );
      return stored;
    }, true);
  }

  addInboundPart(part: InboundPart): Promise<InboundPart[] | null> {
    const key = inboundGroupKey(part);
    return this.write(() => {
      this.sql('INSERT OR IGNORE INTO inbound_parts (group_key, sequence, received_at, doc) VALUES (?, ?, ?, ?)').run(
        key,
        part.sequence,
        part.receivedAt,
        JSON.stringify(part),
      );
      const { n } = this.sql('SELECT COUNT(*) AS n FROM inbound_parts WHERE group_key = ?').get(key)!;
      return Number(n) < part.total ? null : this.removeGroup(key);
    });
  }

  takeStaleInboundParts(cutoff: number): Promise<InboundPart[][]> {
    return this.write(() =>
      this.sql('SELECT group_key FROM inbound_parts GROUP BY group_key HAVING MIN(received_at) < ?')
        .all(cutoff)
        .map((row) => this.removeGroup(row.group_key as string)),
    );
  }

  private removeGroup(key: string): InboundPart[] {
    const parts = this.sql('SELECT doc FROM inbound_parts WHERE group_key = ? ORDER BY sequence')
      .all(key)
      .map((row) => JSON.parse(row.doc as string) as InboundPart);
    this.sql('DELETE FROM inbound_parts WHERE group_key = ?').run(key);
    return parts;
  }

  listInbound(limit: number): Promise<StoredInbound[]> {
    return this.read(() =>
      this.sql('SELECT doc FROM inbound ORDER BY received_at DESC, rowid DESC LIMIT ?')
        .all(limit)
        .map((row) => JSON.parse(row.doc as string) as StoredInbound),
    );
  }

  setOptOut(e164: string, optedOut: boolean): Promise<void> {
    return this.write(() => {
      if (optedOut) this.sql('INSERT OR REPLACE INTO opt_out (e164, at) VALUES (?, ?)').run(e164, Date.now());
      else this.sql('DELETE FROM opt_out WHERE e164 = ?').run(e164);
    }, true);
  }

  isOptedOut(e164: string): Promise<boolean> {
    return this.read(() => this.sql('SELECT 1 FROM opt_out WHERE e164 = ?').get(e164) !== undefined);
  }

  // --- rate quotas and waits (see Store) ------------------------------------------------------

  /**
   * One write transaction (BEGIN IMMEDIATE: no other process writes meanwhile), so two
   * processes cannot both take a cap's last slot. A Redis store does the same in one script: per
   * key a sorted set of tokens scored by time (ZREMRANGEBYSCORE the expired, ZSCORE the token,
   * ZCARD against max, then ZADD and PEXPIRE under every key).
   *
   * It answers before its commit, so that the message's insert that follows joins the same
   * commit: one commit per send, not two (a send awaited at a time: 6 000 takes/s alone, 17 000
   * this way, on this machine). A commit that fails loses the events with the insert; until the
   * commit the write lock keeps every other process from taking quota.
   */
  takeQuota(caps: QuotaCap[], now: number, token: string): Promise<QuotaResult> {
    return this.write((): QuotaResult => {
      // Each take forgets a few expired events, more than it adds: the table holds about the
      // events of the last window.
      this.sql(
        `DELETE FROM quota_events WHERE (key, token) IN
           (SELECT key, token FROM quota_events WHERE expires_at <= ? LIMIT ${QUOTA_SWEEP})`,
      ).run(now);
      const counted = this.sql('SELECT 1 FROM quota_events WHERE key = ? AND token = ? AND at > ?');
      if (caps.some((cap) => counted.get(cap.key, token, now - cap.windowMs) !== undefined)) return { taken: true };
      const live = this.sql('SELECT COUNT(*) AS n FROM quota_events WHERE key = ? AND at > ?');
      const refusedBy = caps.findIndex((cap) => Number(live.get(cap.key, now - cap.windowMs)!.n) >= cap.max);
      if (refusedBy >= 0) return { taken: false, refusedBy };
      const count = this.sql('INSERT OR REPLACE INTO quota_events (key, token, at, expires_at) VALUES (?, ?, ?, ?)');
      for (const cap of caps) count.run(cap.key, token, now, now + cap.windowMs);
      return { taken: true };
    }, false, true);
  }

  // --- submit rates of SMSC accounts (see Store, submit-slots.ts) ------------------------------

  /**
   * submit-slots.ts's steps in one write transaction (BEGIN IMMEDIATE: the processes on this file
   * take slots one at a time). The slots are numbered, so the `perSecond`-th newest is one keyed
   * read: number `taken - perSecond + 1`. It answers only once committed: a slot handed out is
   * one every other process counts. The slot is for `now`, the time the caller asked: a wait
   * for another process's write lock (BEGIN IMMEDIATE blocks) comes between the two, and adds to
   * the jitter between a slot and its submit reaching the SMSC.
   */
  takeSubmitSlot(account: string, perSecond: number, now: number): Promise<number> {
    return this.write(() => {
      const state = this.sql('SELECT taken, paused_until FROM submit_accounts WHERE account = ?').get(account);
      const taken = Number(state?.taken ?? 0);
      const pausedUntil = Number(state?.paused_until ?? 0);
      if (pausedUntil > now) return pausedUntil - now;
      const slotAt = this.sql('SELECT at FROM submit_slots WHERE account = ? AND number = ?');
      const oldest = slotAt.get(account, taken - perSecond + 1)?.at as number | undefined;
      if (oldest !== undefined && oldest + SLOT_SPAN_MS > now) return oldest + SLOT_SPAN_MS - now;
      const newest = slotAt.get(account, taken)?.at as number | undefined;
      const gap = slotGap(perSecond);
      if (newest !== undefined && newest + gap > now) return newest + gap - now;
      this.sql('INSERT INTO submit_slots (account, number, at) VALUES (?, ?, ?)').run(account, taken + 1, now);
      this.sql('DELETE FROM submit_slots WHERE account = ? AND number <= ?').run(account, taken + 1 - perSecond);
      this.sql(
        `INSERT INTO submit_accounts (account, taken, paused_until) VALUES (?, 1, 0)
         ON CONFLICT (account) DO UPDATE SET taken = taken + 1`,
      ).run(account);
      return 0;
    });
  }

  pauseSubmits(account: string, until: number): Promise<void> {
    return this.write(() => {
      this.sql(
        `INSERT INTO submit_accounts (account, taken, paused_until) VALUES (?, 0, ?)
         ON CONFLICT (account) DO UPDATE SET paused_until = max(paused_until, excluded.paused_until)`,
      ).run(account, until);
    }, true);
  }

  /** Straight from the file, not from `recent`: what another process stored is seen. */
  messageStates(ids: string[]): Promise<Map<string, MessageState>> {
    return this.read(() => {
      const rows = this.sql('SELECT id, state FROM messages WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids));
      return new Map(rows.map((row) => [row.id as string, row.state as MessageState]));
    });
  }

  // --- the event feed (see Store) ------------------------------------------------------------

  joinFeed(listener: string, kinds: readonly FeedKind[], now: number): Promise<void> {
    return this.write(() => {
      this.sql(
        `INSERT INTO feed_groups (listener, kinds, cursor, seen_at) VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) FROM feed), ?)
         ON CONFLICT (listener) DO UPDATE SET kinds = excluded.kinds, seen_at = excluded.seen_at`,
      ).run(listener, JSON.stringify(kinds), now);
    }, true);
  }

  leaveFeed(listener: string): Promise<void> {
    return this.write(() => {
      this.sql('DELETE FROM feed_groups WHERE listener = ?').run(listener);
      this.sql('DELETE FROM feed_pending WHERE listener = ?').run(listener);
    });
  }

  feedKinds(): Promise<Set<FeedKind>> {
    return this.read(() => {
      const kinds = new Set<FeedKind>();
      for (const row of this.sql('SELECT kinds FROM feed_groups').all()) {
        for (const kind of JSON.parse(row.kinds as string) as FeedKind[]) kinds.add(kind);
      }
      return kinds;
    });
  }

  appendEvents(events: readonly FeedPayload[], now: number, maxEvents: number): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.write(() => {
      const append = this.sql('INSERT INTO feed (kind, at, doc) VALUES (?, ?, ?) RETURNING seq');
      const first = this.sql('INSERT OR IGNORE INTO feed_once (key, at) VALUES (?, ?) RETURNING id');
      let last = 0;
      let lastKey = 0;
      for (const event of events) {
        const key = onceKey(event);
        if (key !== undefined) {
          const row = first.get(key, now);
          if (row === undefined) continue; // appended before
          lastKey = Number(row.id);
        }
        last = Number(append.get(event.kind, now, JSON.stringify(event))!.seq);
      }
      if (lastKey > maxEvents) this.sql('DELETE FROM feed_once WHERE id <= ?').run(lastKey - maxEvents);
      if (last === 0) return;
      // By sequence number, one range of the primary key: at most the newest maxEvents stay
      // (fewer when a rolled-back append left a gap in the numbers), and none that every group
      // has gone past and acknowledged (a group that joins later starts at the end).
      const consumed = Number(
        this.sql(
          `SELECT MIN(?, COALESCE((SELECT MIN(cursor) FROM feed_groups), ?), COALESCE((SELECT MIN(seq) - 1 FROM feed_pending), ?)) AS seq`,
        ).get(last, last, last)!.seq,
      );
      this.sql('DELETE FROM feed WHERE seq <= ?').run(Math.max(last - maxEvents, consumed));
    });
  }

  readFeed(listeners: readonly string[], consumer: string, now: number, leaseMs: number, limit: number): Promise<Map<string, FeedEvent[]>> {
    const names = JSON.stringify(listeners);
    // Polled often by every process that listens: a read first, and the write (which locks the
    // file) only when a group has something: events past its place, or a lease that lapsed.
    return this.read(
      () =>
        this.sql(
          `SELECT 1 FROM feed_groups g WHERE g.listener IN (SELECT value FROM json_each(?))
           AND (g.cursor < (SELECT COALESCE(MAX(seq), 0) FROM feed)
                OR EXISTS (SELECT 1 FROM feed_pending p WHERE p.listener = g.listener AND p.lease_until <= ?))
           LIMIT 1`,
        ).get(names, now) !== undefined,
    ).then((something) => (something ? this.write(() => this.takeEvents(listeners, consumer, now, leaseMs, limit)) : new Map()));
  }

  /** readFeed's write: for each listener, its lapsed leases, then what is past its place. */
  private takeEvents(listeners: readonly string[], consumer: string, now: number, leaseMs: number, limit: number): Map<string, FeedEvent[]> {
    const read = new Map<string, FeedEvent[]>();
    const until = now + leaseMs;
    const lease = this.sql('INSERT OR REPLACE INTO feed_pending (listener, seq, consumer, lease_until) VALUES (?, ?, ?, ?)');
    const forget = this.sql('DELETE FROM feed_pending WHERE listener = ? AND seq = ?');
    const last = Number(this.sql('SELECT COALESCE(MAX(seq), 0) AS seq FROM feed').get()!.seq);
    for (const listener of listeners) {
      const group = this.sql('SELECT kinds, cursor FROM feed_groups WHERE listener = ?').get(listener);
      if (group === undefined) continue;
      const taken: FeedEvent[] = [];
      const lapsed = this.sql(
        `SELECT p.seq, f.at, f.doc FROM feed_pending p LEFT JOIN feed f ON f.seq = p.seq
         WHERE p.listener = ? AND p.lease_until <= ? ORDER BY p.seq LIMIT ?`,
      ).all(listener, now, limit);
      for (const row of lapsed) {
        if (row.doc === null) {
          forget.run(listener, row.seq); // its event was trimmed
          continue;
        }
        lease.run(listener, row.seq, consumer, until);
        taken.push(feedEvent(row, true));
      }
      let cursor = Number(group.cursor);
      const room = limit - taken.length;
      if (room > 0) {
        const fresh = this.sql(
          `SELECT seq, at, doc FROM feed WHERE seq > ? AND kind IN (SELECT value FROM json_each(?)) ORDER BY seq LIMIT ?`,
        ).all(cursor, group.kinds, room);
        for (const row of fresh) {
          lease.run(listener, row.seq, consumer, until);
          taken.push(feedEvent(row, false));
        }
        // Past everything looked at: up to the last taken when there may be more, else the end.
        cursor = fresh.length === room ? Number(fresh[fresh.length - 1]!.seq) : Math.max(cursor, last);
        this.sql('UPDATE feed_groups SET cursor = ? WHERE listener = ?').run(cursor, listener);
      }
      if (taken.length > 0) read.set(listener, taken);
    }
    return read;
  }

  ackFeed(listener: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    return this.write(() => {
      const ack = this.sql('DELETE FROM feed_pending WHERE listener = ? AND seq = ?');
      for (const id of ids) ack.run(listener, Number(id));
    });
  }

  releaseFeed(listener: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    return this.write(() => {
      const release = this.sql('UPDATE feed_pending SET lease_until = 0 WHERE listener = ? AND seq = ?');
      for (const id of ids) release.run(listener, Number(id));
    });
  }

  trimFeed(cutoff: number): Promise<number> {
    // Oldest first, a chunk per transaction, so the write lock is never held long; the events'
    // keys (feed_once) likewise.
    const chunk = (table: 'feed' | 'feed_once', column: 'seq' | 'id') =>
      this.write(
        () =>
          Number(
            this.sql(`DELETE FROM ${table} WHERE ${column} IN (SELECT ${column} FROM ${table} ORDER BY ${column} LIMIT ${PURGE_CHUNK}) AND at < ?`).run(
              cutoff,
            ).changes,
          ),
        true,
      );
    return (async () => {
      let trimmed = 0;
      // Bounded: each chunk deletes from a table that only shrinks, and it stops at a short chunk.
      for (let deleted = PURGE_CHUNK; deleted === PURGE_CHUNK; ) {
        deleted = await chunk('feed', 'seq');
        trimmed += deleted;
      }
      for (let deleted = PURGE_CHUNK; deleted === PURGE_CHUNK; ) deleted = await chunk('feed_once', 'id');
      await this.write(() => {
        this.sql('DELETE FROM feed_pending WHERE seq < (SELECT COALESCE(MIN(seq), 9e18) FROM feed)').run();
        for (const row of this.sql('DELETE FROM feed_groups WHERE seen_at < ? RETURNING listener').all(cutoff)) {
          this.sql('DELETE FROM feed_pending WHERE listener = ?').run(row.listener);
        }
      });
      return trimmed;
    })();
  }

  // --- notes ---------------------------------------------------------------------------------

  readNote(key: string): Promise<string | undefined> {
    return this.read(() => this.sql('SELECT value FROM notes WHERE key = ?').get(key)?.value as string | undefined);
  }

  writeNote(key: string, value: string | null): Promise<void> {
    return this.write(() => {
      if (value === null) this.sql('DELETE FROM notes WHERE key = ?').run(key);
      else this.sql('INSERT OR REPLACE INTO notes (key, value, at) VALUES (?, ?, ?)').run(key, value, Date.now());
    }, true);
  }
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A condition on the row a transition changes, in SQL; and whether the transition ends the lease (default yes). */
interface Where {
  sql: string;
  params: (string | number)[];
  endsLease?: boolean;
}

/** The condition of an outbox step: still QUEUED and, with an owner, leased by it. */
function queuedWhere(owner: string | null): { sql: string; params: string[] } {
  return owner === null
    ? { sql: " AND state = 'QUEUED'", params: [] }
    : { sql: " AND state = 'QUEUED' AND lease_owner = ?", params: [owner] };
}

/** Runs a step of opening an older file as one write transaction (other processes wait for it). */
function inTransaction(db: DatabaseSync, work: () => unknown): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    work();
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/** A feed row as the event it is. */
function feedEvent(row: Record<string, unknown>, redelivered: boolean): FeedEvent {
  return { id: String(row.seq), at: Number(row.at), redelivered, payload: JSON.parse(row.doc as string) as FeedPayload };
}

/** The rest_at and refused columns of a record. */
function resting(record: MessageRecord): [number | null, number] {
  const since = restingSince(record);
  return since === null ? [null, 0] : [since.at, since.refused ? 1 : 0];
}
/** Expired quota events each takeQuota removes at most. */
const QUOTA_SWEEP = 16;

/** How many records `recent` keeps: the messages in flight and awaiting receipts, with room. */
const RECENT_RECORDS = 4096;

/** The last `limit` records set, by id; setting one again makes it the newest. */
class RecentRecords {
  private readonly records = new Map<string, MessageRecord>();

  constructor(private readonly limit: number) {}

  get(id: string): MessageRecord | undefined {
    return this.records.get(id);
  }

  set(record: MessageRecord): void {
    this.records.delete(record.id);
    this.records.set(record.id, record);
    if (this.records.size > this.limit) this.records.delete(this.records.keys().next().value!);
  }

  delete(id: string): void {
    this.records.delete(id);
  }

  clear(): void {
    this.records.clear();
  }
}
