import assert from 'node:assert/strict';
import { LaterQueue } from '../../src/store/later-queue';

describe('the memory store\'s queue of messages not due yet', () => {
  it('gives out what is due, earliest first and ties in the order added, and nothing removed', () => {
    const queue = new LaterQueue();
    const at = Array.from({ length: 3000 }, (_, i) => 1000 + ((i * 7919) % 500));
    at.forEach((time, i) => queue.add(`m${i}`, time));
    // Removing most of them rebuilds the heap from the live entries (stale ones outnumber them).
    for (let i = 0; i < 3000; i++) if (i % 6 !== 0) queue.remove(`m${i}`);
    queue.add('m0', 1200); // moved: its first entry no longer counts
    const kept = at
      .map((time, i) => ({ id: `m${i}`, time: i === 0 ? 1200 : time, order: i === 0 ? 3000 : i }))
      .filter((_, i) => i % 6 === 0)
      .sort((a, b) => a.time - b.time || a.order - b.order);
    assert.equal(queue.earliest(), kept[0]!.time);
    const taken = (entries: { id: string; at: number }[]) => entries.map(({ id, at }) => ({ id, time: at }));
    const expected = (due: typeof kept) => due.map(({ id, time }) => ({ id, time }));
    assert.deepEqual(taken(queue.takeDue(1200)), expected(kept.filter((m) => m.time <= 1200)));
    assert.deepEqual(taken(queue.takeDue(Infinity)), expected(kept.filter((m) => m.time > 1200)));
    assert.equal(queue.earliest(), undefined);
  });
});
