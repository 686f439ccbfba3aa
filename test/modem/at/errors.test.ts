import assert from 'node:assert/strict';
import { AtError, CME_ERRORS, CMS_ERRORS, cmsError, describeError, isRetryableCmsError } from '../../../src/modem/at';

describe('AT errors: the CME and CMS tables', () => {
  it('reads numeric (CMEE=1) and verbose (CMEE=2) errors to the same code', () => {
    assert.deepEqual(describeError('CME', ' 11'), { code: 11, message: 'SIM PIN required' });
    assert.deepEqual(describeError('CME', 'SIM PIN required'), { code: 11, message: 'SIM PIN required' });
    assert.deepEqual(describeError('CME', '"sim pin required"'), { code: 11, message: 'sim pin required' });
    assert.deepEqual(describeError('CMS', '332'), { code: 332, message: 'network timeout' });
    assert.deepEqual(describeError('CMS', 'SMSC address unknown'), { code: 330, message: 'SMSC address unknown' });
    assert.deepEqual(describeError('CME', 'Something vendor-specific'), { message: 'Something vendor-specific' });
    assert.deepEqual(describeError('CME', '777'), { code: 777, message: 'error 777' });
  });

  it('has every verbose text once, so a text maps back to one code', () => {
    for (const table of [[...CME_ERRORS.values()], [...CMS_ERRORS.values()].map((e) => e.message)]) {
      const bare = table.map((m) => m.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim());
      assert.equal(new Set(bare).size, bare.length);
    }
  });

  it('retries the temporary network, SC and ME conditions', () => {
    for (const code of [27, 38, 41, 42, 47, 0xc0, 0xc2, 0xd4, 300, 301, 314, 331, 332, 500]) {
      assert.equal(isRetryableCmsError(code), true, `CMS ${code} (${cmsError(code).message})`);
    }
  });

  it('fails for good what a retry would repeat: the recipient, the message, the SIM, the SMSC address', () => {
    for (const code of [1, 8, 10, 21, 28, 29, 30, 50, 96, 111, 0x90, 0xc3, 0xc5, 302, 304, 305, 310, 311, 316, 330]) {
      assert.equal(isRetryableCmsError(code), false, `CMS ${code} (${cmsError(code).message})`);
    }
  });

  it('decides codes outside the table by their range', () => {
    assert.deepEqual(cmsError(17), { code: 17, message: 'RP-Cause 17 (treated as temporary failure)', retryable: true });
    assert.equal(cmsError(0xb5).retryable, false);
    assert.equal(cmsError(0xb5).message, 'TP-FCS 0xB5 (unspecified)');
    assert.equal(cmsError(513).retryable, true);
    assert.equal(cmsError(400).retryable, false);
  });

  it('makes AtError retryable for CMS per the table, timeouts and closed ports, and not for the rest', () => {
    assert.equal(new AtError('CMS', 'AT+CMGS=20', 'x', 42).retryable, true);
    assert.equal(new AtError('CMS', 'AT+CMGS=20', 'x', 21).retryable, false);
    assert.equal(new AtError('TIMEOUT', 'AT+CMGS=20', 'x').retryable, true);
    assert.equal(new AtError('CLOSED', 'AT+CMGS=20', 'x').retryable, true);
    assert.equal(new AtError('CME', 'AT+CPIN=…', 'x', 16).retryable, false);
    assert.equal(new AtError('ERROR', 'AT+CMGS=20', 'x').retryable, false);
    const error = new AtError('CMS', 'AT+CMGS=20', '+CMS ERROR 42: congestion', 42);
    assert.equal(error.message, 'AT+CMGS=20: +CMS ERROR 42: congestion');
    assert.equal(error.name, 'AtError');
    assert.ok(error instanceof Error);
  });
});
