import assert from 'node:assert/strict';
import { Reassembler } from '../../src/encoding';
import { assertSmsGateError } from './helpers';

const part = (sequence: number, text: string, overrides: Partial<{ key: string; reference: number; total: number }> = {}) => ({
  key: '+447700900123',
  reference: 42,
  total: 3,
  sequence,
  text,
  ...overrides,
});

describe('Reassembler', () => {
  it('joins parts received out of order, in sequence order', () => {
    const reassembler = new Reassembler();
    assert.deepEqual(reassembler.add(part(3, 'baz')), { complete: false });
    assert.deepEqual(reassembler.add(part(1, 'foo')), { complete: false });
    assert.deepEqual(reassembler.add(part(2, 'bar')), { complete: true, text: 'foobarbaz', parts: 3 });
    assert.equal(reassembler.size, 0);
  });

  it('ignores a repeated part (the first copy wins)', () => {
    const reassembler = new Reassembler();
    reassembler.add(part(1, 'foo'));
    assert.deepEqual(reassembler.add(part(1, 'FOO')), { complete: false });
    reassembler.add(part(2, 'bar'));
    assert.deepEqual(reassembler.add(part(3, 'baz')), { complete: true, text: 'foobarbaz', parts: 3 });
  });

  it('keeps messages apart by key, reference and total', () => {
    const reassembler = new Reassembler();
    reassembler.add(part(1, 'a'));
    reassembler.add(part(1, 'b', { key: 'other' }));
    reassembler.add(part(1, 'c', { reference: 43 }));
    reassembler.add(part(1, 'd', { total: 2 }));
    assert.equal(reassembler.size, 4);
    assert.deepEqual(reassembler.add(part(2, 'e', { total: 2 })), { complete: true, text: 'de', parts: 2 });
  });

  it('completes a one-part message at once', () => {
    assert.deepEqual(new Reassembler().add(part(1, 'solo', { total: 1 })), { complete: true, text: 'solo', parts: 1 });
  });

  it('hands back what arrived, marked incomplete, once the timeout has passed since the first part', () => {
    let now = 1_000;
    const reassembler = new Reassembler({ timeoutMs: 60_000, now: () => now });
    reassembler.add(part(3, 'baz'));
    now += 30_000;
    reassembler.add(part(1, 'foo'));
    reassembler.add(part(1, 'x', { key: 'later', total: 2 }));
    now += 29_999;
    assert.deepEqual(reassembler.expire(), []);
    now += 1;
    assert.deepEqual(reassembler.expire(), [
      { key: '+447700900123', reference: 42, text: 'foobaz', received: [1, 3], total: 3, incomplete: true },
    ]);
    assert.equal(reassembler.size, 1);
    assert.deepEqual(reassembler.expire(), []);
    now += 30_000;
    assert.equal(reassembler.expire()[0].key, 'later');
    assert.equal(reassembler.size, 0);
  });

  it('refuses parts that cannot belong to a concatenated message', () => {
    const reassembler = new Reassembler();
    assertSmsGateError(() => reassembler.add(part(4, 'x')), 'OPTION_INVALID', /sequence/);
    assertSmsGateError(() => reassembler.add(part(0, 'x')), 'OPTION_INVALID', /sequence/);
    assertSmsGateError(() => reassembler.add(part(1, 'x', { total: 256 })), 'OPTION_INVALID', /total/);
    assertSmsGateError(() => reassembler.add(part(1, 'x', { reference: 70_000 })), 'OPTION_INVALID', /reference/);
    assertSmsGateError(() => new Reassembler({ timeoutMs: -1 }), 'OPTION_INVALID', /timeoutMs/);
  });
});
