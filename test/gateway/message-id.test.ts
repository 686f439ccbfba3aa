import assert from 'node:assert/strict';
import { messageId } from '../../src/gateway/message-id';

describe('message ids', () => {
  it('are UUIDs of version 7 whose first 48 bits are the time in milliseconds', () => {
    const at = Date.UTC(2026, 10, 26, 3, 30);
    const id = messageId(at);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), at);
  });

  it('sort in the order they were made, across milliseconds, and do not repeat within one', () => {
    const start = Date.UTC(2026, 10, 26);
    const ids = Array.from({ length: 1000 }, (_, i) => messageId(start + i * 7));
    assert.deepEqual([...ids].sort(), ids);
    const sameMillisecond = new Set(Array.from({ length: 10_000 }, () => messageId(start)));
    assert.equal(sameMillisecond.size, 10_000);
  });
});
