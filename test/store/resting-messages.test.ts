import assert from 'node:assert/strict';
import { RestingMessages } from '../../src/store/resting-messages';
import { sampleRecord } from '../helpers/records';

describe("the memory store's messages at rest", () => {
  const delivered = (id: string, doneAt: number) => sampleRecord({ id, state: 'DELIVERED', submittedAt: doneAt - 1, doneAt });

  it('takes out the final ones older than the cutoff in their order, and stops at the first one kept', () => {
    const resting = new RestingMessages();
    for (let i = 0; i < 100; i++) resting.add(delivered(`m${i}`, 1000 + i));
    resting.remove(delivered('m3', 1003));
    assert.deepEqual(resting.takeDue(1005, 0), ['m0', 'm1', 'm2', 'm4']);
    assert.deepEqual(resting.takeDue(1005, 0), []);
    assert.equal(resting.takeDue(Infinity, 0).length, 95);
  });

  it('purges one whose time is out of order late, never early', () => {
    const resting = new RestingMessages();
    resting.add(delivered('first', 2000));
    resting.add(delivered('stepped-back', 1000)); // a clock stepped back
    assert.deepEqual(resting.takeDue(1500, 0), []);
    assert.deepEqual(resting.takeDue(2500, 0), ['first', 'stepped-back']);
  });

  it('keeps the refused by their own cutoff, and those awaiting a report until the end of their validity, in any order', () => {
    const resting = new RestingMessages();
    resting.add(sampleRecord({ id: 'refused', state: 'REJECTED', submittedAt: null, doneAt: 1000 }));
    resting.add(sampleRecord({ id: 'awaits-long', state: 'SUBMITTED', deliveryReport: true, submittedAt: 900, validUntil: 9000 }));
    resting.add(sampleRecord({ id: 'awaits-short', state: 'SUBMITTED', deliveryReport: true, submittedAt: 950, validUntil: 3000 }));
    resting.add(sampleRecord({ id: 'queued', state: 'QUEUED' }));
    assert.deepEqual(resting.takeDue(2000, 500), []);
    assert.deepEqual(resting.takeDue(5000, 1500), ['refused', 'awaits-short']);
    assert.deepEqual(resting.takeDue(Infinity, Infinity), ['awaits-long']);
  });
});
