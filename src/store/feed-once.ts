/**
 * Which feed events are the same event, whoever appends them (Store.appendEvents keeps one).
 *
 * A delivery report can be published twice across processes: a process stores and publishes a
 * receipt but stops or dies before its deliver_sm_resp leaves, so the SMSC sends the receipt
 * again, to another bind; that process finds the segment already in the receipt's state (a
 * repeat, reports.ts rule 6) and publishes it too, since it cannot tell a first publish that
 * went through from one that failed (then publishing the repeat is what hands the report on).
 * The feed settles it: the second append of the same report is left out.
 *
 * The same report: the same message, the same state and the same provider id. The id is taken
 * with all its spellings (`providerId` and `alternateIds`, sorted), since each process reads the
 * raw id in the form it learned its SMSC uses. A report no message took is the same when every
 * field the receipt gave is. State changes and inbound messages have no key: each is made once
 * (a transition is one atomic store step; an inbound SMS received twice is stored twice).
 */
import type { FeedPayload } from './types';

/** The event's key, or undefined when it is always appended. */
export function onceKey(event: FeedPayload): string | undefined {
  if (event.kind !== 'report') return undefined;
  const { report, message } = event;
  const ids = [report.providerId, ...(report.alternateIds ?? [])].sort();
  if (message !== undefined) return JSON.stringify(['report', message.id, ids, report.state]);
  return JSON.stringify(['report', report.transportId, ids, report.state, report.address ?? null, report.errorCode ?? null, report.doneAt ?? null]);
}
