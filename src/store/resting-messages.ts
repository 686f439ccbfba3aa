/**
 * The memory store's messages at rest (lifecycle.ts `restingSince`), so that retention finds the
 * ones whose time is up without looking at the others.
 *
 * Most come to rest as they happen (a message delivered, failed, or submitted with no report to
 * come, at its `now`), so in the order of their time: for them a Set in insertion order is the
 * queue, and `takeDue` stops at the first one still kept. One whose time is out of order (a
 * clock stepped back; a finished message changed again) is purged when the queue reaches it:
 * late, never early. SUBMITTED messages awaiting a report rest from the end of their validity,
 * in no useful order; they are few (those in flight) and purge is rare, so `takeDue` walks all.
 *
 * Only ids are kept, each already held by the store; the time is read from the message when
 * purging. A binary heap of (id, time) entries here instead cost two pushes and a removal per
 * message, and an entry and a boxed time for each that the garbage collector copied until it was
 * old: a fifth more of its work at 10 000 messages a second.
 */
import type { MessageRecord } from './types';
import { restKind } from './lifecycle';

export class RestingMessages {
  private readonly done = new Set<string>();
  private readonly refused = new Set<string>();
  private readonly awaiting = new Set<string>();

  /** Keeps `record` if it rests (else nothing). Call `remove` first with the record kept before. */
  add(record: MessageRecord): void {
    this.queueOf(record)?.add(record.id);
  }

  /** Forgets `record` as `add` kept it (nothing, for one that did not rest). */
  remove(record: MessageRecord): void {
    this.queueOf(record)?.delete(record.id);
  }

  /**
   * Takes out the ids of the messages that rest since before `finalCutoff` (refused:
   * `refusedCutoff`); `since(id)` is when one came to rest (restingSince of its record).
   */
  takeDue(finalCutoff: number, refusedCutoff: number, since: (id: string) => number): string[] {
    const due: string[] = [];
    for (const [queue, cutoff] of [[this.done, finalCutoff], [this.refused, refusedCutoff]] as const) {
      for (const id of queue) {
        if (since(id) >= cutoff) break;
        queue.delete(id);
        due.push(id);
      }
    }
    for (const id of this.awaiting) {
      if (since(id) >= finalCutoff) continue;
      this.awaiting.delete(id);
      due.push(id);
    }
    return due;
  }

  private queueOf(record: MessageRecord): Set<string> | undefined {
    const kind = restKind(record);
    return kind === null ? undefined : kind === 'awaiting' ? this.awaiting : kind === 'refused' ? this.refused : this.done;
  }
}
