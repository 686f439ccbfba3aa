import assert from 'node:assert/strict';
import { SmsGateError, type ErrorCode } from '../../src/errors';
import { decodeUserData, type EncodedMessage } from '../../src/encoding';

/** Runs `fn` and asserts it throws an SmsGateError with that code (and a message matching `pattern`). */
export function assertSmsGateError(fn: () => unknown, code: ErrorCode, pattern?: RegExp): SmsGateError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SmsGateError, `expected an SmsGateError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return error;
  }
  assert.fail(`expected ${code} to be thrown`);
}

/** Decodes every segment as an SMPP receiver would (UDH + unpacked septets / UTF-16BE). */
export function decodeSegments(message: EncodedMessage): string[] {
  return message.segments.map(
    (segment) =>
      decodeUserData(Buffer.concat([segment.udh, segment.payload]), {
        dataCoding: message.dataCoding,
        udhi: segment.udh.length > 0,
      }).text,
  );
}
