import assert from 'node:assert/strict';
import { SlidingWindowCounter } from '../../src/routing/sliding-window';

describe('SlidingWindowCounter', () => {
  it('allows up to max events per key within the window', () => {
    const counter = new SlidingWindowCounter(2, 1000, 10);
    counter.record('a', 0);
    counter.record('a', 500);
    assert.equal(counter.allows('a', 999), false);
    assert.equal(counter.allows('b', 999), true);
    assert.equal(counter.allows('a', 1000), true, 'the event at 0 leaves the window at 1000');
  });

  it('drops keys whose events have all expired', () => {
    const counter = new SlidingWindowCounter(5, 1000, 10);
    counter.record('a', 0);
    counter.record('b', 100);
    counter.record('c', 900);
    assert.equal(counter.size, 3);
    counter.record('d', 1100); // a (0) and b (100) are past the window, c (900) is not
    assert.equal(counter.size, 2);
    assert.equal(counter.allows('c', 1100), true);
  });

  it('never remembers more than maxKeys keys, forgetting the least recently used', () => {
    const counter = new SlidingWindowCounter(1, 60_000, 3);
    for (let i = 0; i < 1000; i++) {
      counter.record(`key${i}`, i);
      assert.ok(counter.size <= 3);
    }
    assert.equal(counter.allows('key999', 1000), false);
    assert.equal(counter.allows('key997', 1000), false);
    assert.equal(counter.allows('key996', 1000), true, 'forgotten');
  });

  it('a new event makes a key the most recently used', () => {
    const counter = new SlidingWindowCounter(2, 60_000, 2);
    counter.record('old', 0);
    counter.record('other', 1);
    counter.record('old', 2); // old is now newer than other
    counter.record('new', 3); // evicts other
    assert.equal(counter.allows('old', 4), false, 'old kept its two events');
    assert.equal(counter.size, 2);
  });
});
