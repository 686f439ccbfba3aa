import assert from 'node:assert/strict';
import { restingSince } from '../../src/store/lifecycle';
import { RestingMessages } from '../../src/store/resting-messages';
import type { MessageRecord } from '../../src/store/types';
import { sampleRecord } from '../helpers/records';

describe("the memory store's messages at rest", () => {
  /** The queue, with the records it was given: `since` reads their time as the store does. */
  function resting() {
    const queue = new RestingMessages();
    const records = new Map<string, MessageRecord>();
    return {
      add(record: MessageRecord) {
        records.set(record.id, record);
        queue.add(record);
      },
      remove: (record: MessageRecord) => queue.remove(record),
      takeDue: (finalCutoff: number, refusedCutoff: number) =>
        queue.takeDue(finalCutoff, refusedCutoff, (id) => restingSince(records.get(id)!)!.at),
    };
  }
  const delivered = (id: string, doneAt: number) => sampleRecord({ id, state: 'DELIVERED', submittedAt: doneAt - 1, doneAt });

  it('takes out the final ones older than the cutoff in their order, and stops at the first one kept', () => {
    const queue = resting();
    for (let i = 0; i < 100; i++) queue.add(delivered(`m${i}`, 1000 + i));
    queue.remove(delivered('m3', 1003));
    assert.deepEqual(queue.takeDue(1005, 0), ['m0', 'm1', 'm2', 'm4']);
    assert.deepEqual(queue.takeDue(1005, 0), []);
    assert.equal(queue.takeDue(Infinity, 0).length, 95);
  });

  it('purges one whose time is out of order late, never early', () => {
    const queue = resting();
    queue.add(delivered('first', 2000));
    queue.add(delivered('stepped-back', 1000)); // a clock stepped back
    assert.deepEqual(queue.takeDue(1500, 0), []);
    assert.deepEqual(queue.takeDue(2500, 0), ['first', 'stepped-back']);
  });

  it('keeps the refused by their own cutoff, and those awaiting a report until the end of their validity, in any order', () => {
    const queue = resting();
    queue.add(sampleRecord({ id: 'refused', state: 'REJECTED', submittedAt: null, doneAt: 1000 }));
    queue.add(sampleRecord({ id: 'awaits-long', state: 'SUBMITTED', deliveryReport: true, submittedAt: 900, validUntil: 9000 }));
    queue.add(sampleRecord({ id: 'awaits-short', state: 'SUBMITTED', deliveryReport: true, submittedAt: 950, validUntil: 3000 }));
    queue.add(sampleRecord({ id: 'queued', state: 'QUEUED' }));
    assert.deepEqual(queue.takeDue(2000, 500), []);
    assert.deepEqual(queue.takeDue(5000, 1500), ['refused', 'awaits-short']);
    assert.deepEqual(queue.takeDue(Infinity, Infinity), ['awaits-long']);
  });
});
