/** How a connection that fails is said: with host:port, and what went wrong in words. */
import assert from 'node:assert/strict';
import { toLinkError } from '../../src/smpp/link';

function errno(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('SMPP link: connection failures', () => {
  it('names host:port for a refused connection, a failed name lookup and an unreachable host', () => {
    assert.equal(toLinkError(errno('ECONNREFUSED', 'connect ECONNREFUSED'), '127.0.0.1', 2775).message, 'SMSC 127.0.0.1:2775 refused the connection');
    const lookup = toLinkError(errno('ENOTFOUND', 'getaddrinfo ENOTFOUND smsc.example'), 'smsc.example', 2776);
    assert.equal(lookup.message, 'SMSC smsc.example:2776: name lookup failed (ENOTFOUND)');
    assert.equal(lookup.code, 'TRANSPORT_UNAVAILABLE');
    assert.equal(toLinkError(errno('EHOSTUNREACH', 'x'), '10.0.0.9', 2775).message, 'SMSC 10.0.0.9:2775: unreachable (EHOSTUNREACH)');
    assert.equal(toLinkError(new Error('socket hang up'), 'h', 1).message, 'SMSC h:1: socket hang up');
  });
});
