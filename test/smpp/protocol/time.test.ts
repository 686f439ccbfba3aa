import assert from 'node:assert/strict';
import { formatSmppTime } from '../../../src/smpp/protocol/time';
import { assertSmsGateError } from '../../encoding/helpers';

describe('formatSmppTime', () => {
  it('writes absolute times in UTC with tenths of a second and a zero offset', () => {
    // Nvia's SMPP guide: 10 April 2012 10:11:12.3 is 120410101112300+ (offset 00, as UTC).
    assert.equal(formatSmppTime(new Date(Date.UTC(2012, 3, 10, 10, 11, 12, 300))), '120410101112300+');
    assert.equal(formatSmppTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))), '260102030405600+');
    assert.equal(formatSmppTime(new Date(Date.UTC(2000, 0, 1))), '000101000000000+');
    assert.equal(formatSmppTime(new Date(Date.UTC(2099, 11, 31, 23, 59, 59, 999))), '991231235959900+');
  });

  it('writes relative times as days, hours, minutes and seconds', () => {
    assert.equal(formatSmppTime({ relativeSeconds: 86_400 }), '000001000000000R'); // one day
    assert.equal(formatSmppTime({ relativeSeconds: 7 * 86_400 }), '000007000000000R'); // NowSMS's 7-day example
    // SMPP 3.4 §7.1.1.2's example without its years and months: 10 days 23:34:29.
    assert.equal(formatSmppTime({ relativeSeconds: 10 * 86_400 + 23 * 3600 + 34 * 60 + 29 }), '000010233429000R');
    assert.equal(formatSmppTime({ relativeSeconds: 90 }), '000000000130000R');
    assert.equal(formatSmppTime({ relativeSeconds: 100 * 86_400 - 1 }), '000099235959000R');
  });

  it('refuses times the format cannot carry, naming the field', () => {
    const tooFar = assertSmsGateError(() => formatSmppTime({ relativeSeconds: 100 * 86_400 }, 'validity'), 'OPTION_INVALID');
    assert.equal(tooFar.field, 'validity');
    assertSmsGateError(() => formatSmppTime({ relativeSeconds: -1 }), 'OPTION_INVALID');
    assertSmsGateError(() => formatSmppTime({ relativeSeconds: 1.5 }), 'OPTION_INVALID');
    assertSmsGateError(() => formatSmppTime(new Date(Date.UTC(1999, 11, 31))), 'OPTION_INVALID', /2000-2099/);
    assertSmsGateError(() => formatSmppTime(new Date(Number.NaN)), 'OPTION_INVALID');
  });
});
