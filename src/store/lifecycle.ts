/**
 * How a message moves between states: the pure rules, kept apart from the I/O that applies them.
 */
import type { ErrorInfo } from '../errors';
import type { AcceptedSegment } from '../transport/types';
import type { MessageRecord, ReportCondition } from '../store/types';
import { FINAL_STATES, type MessageState } from '../types';

/** When segments end differently, the message takes the most telling failure. */
const FAILURE_PRECEDENCE: MessageState[] = ['REJECTED', 'UNDELIVERED', 'EXPIRED', 'DELETED', 'UNKNOWN'];

/**
 * The message's state from its segments' reports: DELIVERED only when every segment is; a
 * failure as soon as one segment failed (the message can no longer be delivered whole);
 * null while reports are still to come.
 */
export function foldSegmentStates(states: readonly (MessageState | null)[]): MessageState | null {
  if (states.length > 0 && states.every((s) => s === 'DELIVERED')) return 'DELIVERED';
  for (const failure of FAILURE_PRECEDENCE) if (states.includes(failure)) return failure;
  return null;
}

/**
 * Whether a report about `segment` may be recorded on `record` now (see ReportCondition): the
 * segment exists and has no final state yet, and for `awaiting` the message is not final either.
 */
export function takesReport(record: MessageRecord, segment: number, condition: ReportCondition): boolean {
  if (!Number.isInteger(segment) || segment < 0 || segment >= record.segments) return false;
  const reported = record.segmentStates[segment];
  if (reported != null && FINAL_STATES.has(reported)) return false;
  return condition === 'unreported' || !FINAL_STATES.has(record.state);
}

/** Records a segment's delivery report; returns the record with the state that follows. */
export function applySegmentReport(
  record: MessageRecord,
  segment: number,
  state: MessageState,
  now: number,
): MessageRecord {
  if (!FINAL_STATES.has(state) || segment < 0 || segment >= record.segments) return record;
  const segmentStates = [...record.segmentStates];
  segmentStates[segment] = state;
  const folded = FINAL_STATES.has(record.state) || record.state === 'QUEUED' ? null : foldSegmentStates(segmentStates);
  return folded === null ? { ...record, segmentStates, updatedAt: now } : { ...record, segmentStates, updatedAt: now, state: folded, doneAt: now };
}

/** The transport accepted the message. Reports that raced ahead of this are kept and folded. */
export function markSubmitted(
  record: MessageRecord,
  transportId: string,
  providerIds: string[],
  now: number,
): MessageRecord {
  if (record.state !== 'QUEUED') return record;
  const submitted: MessageRecord = {
    ...record,
    state: 'SUBMITTED',
    transportId,
    providerIds,
    attempts: record.attempts + 1,
    submittedAt: now,
    updatedAt: now,
    error: null,
  };
  const folded = record.deliveryReport ? foldSegmentStates(record.segmentStates) : null;
  return folded === null ? submitted : { ...submitted, state: folded, doneAt: now };
}

/**
 * Segments the transport accepted while others were not (yet): their provider ids are kept
 * (a segment accepted before keeps its first id) and the message stays QUEUED for the rest,
 * held to the transport that took them; once every segment is accepted, it is SUBMITTED.
 */
export function acceptSegments(
  record: MessageRecord,
  transportId: string,
  accepted: readonly AcceptedSegment[],
  now: number,
): MessageRecord {
  if (record.state !== 'QUEUED') return record;
  const providerIds = Array.from({ length: record.segments }, (_, i) => record.providerIds[i] ?? null);
  for (const { segment, providerId } of accepted) {
    if (segment >= 0 && segment < record.segments && providerIds[segment] === null) providerIds[segment] = providerId;
  }
  if (providerIds.every((id) => id !== null)) return markSubmitted(record, transportId, providerIds as string[], now);
  return { ...record, transportId, providerIds, updatedAt: now };
}

/**
 * Whether a change leaves a QUEUED message's wait for a link (Store.setAside) as it was: one
 * that leaves it QUEUED and due at the same time (a report that raced ahead of its submit, a
 * segment accepted late) is no outbox decision, so the message still waits for its link.
 */
export function keepsLinkWait(previous: MessageRecord, next: MessageRecord): boolean {
  return next.state === 'QUEUED' && next.nextAttemptAt === previous.nextAttemptAt;
}

/** Provider ids in segment order, as the segments they were given to. */
export function bySegment(providerIds: readonly string[]): AcceptedSegment[] {
  return providerIds.map((providerId, segment) => ({ segment, providerId }));
}

/** The segments of a QUEUED message still to send (0-based): those no transport accepted yet. */
export function unsentSegments(record: MessageRecord): number[] {
  const unsent: number[] = [];
  for (let i = 0; i < record.segments; i++) if ((record.providerIds[i] ?? null) === null) unsent.push(i);
  return unsent;
}

export function markFailed(record: MessageRecord, error: ErrorInfo, now: number): MessageRecord {
  return { ...record, state: 'FAILED', error, updatedAt: now, doneAt: now };
}

export function markRetry(record: MessageRecord, error: ErrorInfo | null, attempts: number, at: number, now: number): MessageRecord {
  return { ...record, attempts, nextAttemptAt: at, error, updatedAt: now };
}

/**
 * Since when a message rests, for retention, and whether it was refused at acceptance (kept a
 * shorter time); null while the outbox still works on it. A SUBMITTED message with no report to
 * come rests from its submit; one awaiting a report, from the end of its validity (a report
 * after that is not expected).
 */
export function restingSince(record: MessageRecord): { at: number; refused: boolean } | null {
  switch (restKind(record)) {
    case null:
      return null;
    case 'awaiting':
      return { at: record.validUntil, refused: false };
    case 'refused':
      return { at: record.doneAt ?? record.updatedAt, refused: true };
    case 'done':
      return { at: record.state === 'SUBMITTED' ? (record.submittedAt ?? record.updatedAt) : (record.doneAt ?? record.updatedAt), refused: false };
  }
}

/**
 * How a message rests (restingSince says since when): awaiting a report, refused at acceptance,
 * or done; null while the outbox still works on it. Allocates nothing: the memory store asks it
 * at every change of every message.
 */
export function restKind(record: MessageRecord): 'awaiting' | 'refused' | 'done' | null {
  if (record.state === 'QUEUED') return null;
  if (record.state === 'SUBMITTED') return record.deliveryReport ? 'awaiting' : 'done';
  return record.state === 'REJECTED' && record.submittedAt === null ? 'refused' : 'done';
}
