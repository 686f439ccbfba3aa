import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SmsGateError } from '../../../src/errors';
import { parseCmgl, parseCmgr, parseCmgs, parseCpin, parseCreg, parseCsq, registrationStatus } from '../../../src/modem/at';

const DELIVER_PDU = '07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07';

function assertInvalid(fn: () => unknown, field: string): void {
  assert.throws(fn, (err: unknown) => err instanceof SmsGateError && err.code === 'USER_DATA_INVALID' && err.field === field);
}

describe('AT health and message parsers', () => {
  it('parseCsq: rssi to dBm per TS 27.007 §8.5, 99 unknown', () => {
    assert.deepEqual(parseCsq(['+CSQ: 0,0']), { rssi: 0, ber: 0, dbm: -113 });
    assert.deepEqual(parseCsq(['+CSQ: 1,99']), { rssi: 1, ber: 99, dbm: -111 });
    assert.deepEqual(parseCsq(['+CSQ: 20,0']), { rssi: 20, ber: 0, dbm: -73 });
    assert.deepEqual(parseCsq(['+CSQ: 31,7']), { rssi: 31, ber: 7, dbm: -51 });
    assert.deepEqual(parseCsq(['+CSQ: 99,99']), { rssi: 99, ber: 99, dbm: null });
    assertInvalid(() => parseCsq([]), '+CSQ:');
    assertInvalid(() => parseCsq(['+CSQ: x,0']), '+CSQ:');
  });

  it('parseCreg: the AT+CREG? answer and the unsolicited form', () => {
    assert.deepEqual(parseCreg(['+CREG: 0,1']), { n: 0, stat: 1, status: 'registered-home' });
    assert.deepEqual(parseCreg(['+CREG: 2,5,"00C3","0000A1B2",7']), {
      n: 2, stat: 5, status: 'registered-roaming', lac: '00C3', ci: '0000A1B2', act: 7,
    });
    assert.deepEqual(parseCreg(['+CREG: 2,"00C3","A1B2"']), { n: null, stat: 2, status: 'searching', lac: '00C3', ci: 'A1B2' });
    assert.deepEqual(parseCreg(['+CREG: 3']), { n: null, stat: 3, status: 'denied' });
    assertInvalid(() => parseCreg(['+CSQ: 1,1']), '+CREG:');
  });

  it('registrationStatus: every <stat> of TS 27.007 §7.2', () => {
    const expected = ['not-registered', 'registered-home', 'searching', 'denied', 'unknown', 'registered-roaming',
      'registered-home', 'registered-roaming', 'not-registered', 'registered-home', 'registered-roaming', 'unknown'];
    assert.deepEqual(Array.from({ length: 12 }, (_, stat) => registrationStatus(stat)), expected);
  });

  it('parseCpin: READY and what the SIM waits for', () => {
    assert.equal(parseCpin(['+CPIN: READY']), 'READY');
    assert.equal(parseCpin(['+CPIN: SIM PIN']), 'SIM PIN');
    assert.equal(parseCpin(['+CPIN: SIM PUK']), 'SIM PUK');
    assert.equal(parseCpin(['+CPIN: SIM PIN2']), 'SIM PIN2');
    assert.equal(parseCpin(['+CPIN: PH-SIM PIN']), 'PH-SIM PIN');
    assert.equal(parseCpin(['+CPIN:NOT INSERTED']), 'NOT INSERTED');
    assertInvalid(() => parseCpin(['+CPIN: BANANA']), '+CPIN:');
  });

  it('parseCmgs: the TP-MR', () => {
    assert.equal(parseCmgs(['+CMGS: 12']), 12);
    assert.equal(parseCmgs(['+CMGS: 255,"24/01/15,10:30:00+00"']), 255);
    assertInvalid(() => parseCmgs(['+CMGS: 256']), '+CMGS:');
    assertInvalid(() => parseCmgs([]), '+CMGS:');
  });

  it('parseCmgr: PDU mode, text mode, an empty index', () => {
    assert.deepEqual(parseCmgr(['+CMGR: 0,,30', DELIVER_PDU.toLowerCase()]), {
      mode: 'pdu', stat: 0, alpha: null, length: 30, pdu: DELIVER_PDU,
    });
    assert.deepEqual(parseCmgr(['+CMGR: 1,"Bob",30', DELIVER_PDU]), { mode: 'pdu', stat: 1, alpha: 'Bob', length: 30, pdu: DELIVER_PDU });
    assert.deepEqual(parseCmgr(['+CMGR: "REC UNREAD","+31641600986",,"08/02/26,19:37:41+04"', 'How are you?']), {
      mode: 'text',
      stat: 'REC UNREAD',
      originator: '+31641600986',
      alpha: null,
      serviceCentreTime: '08/02/26,19:37:41+04',
      fields: ['REC UNREAD', '+31641600986', '', '08/02/26,19:37:41+04'],
      text: 'How are you?',
    });
    assert.equal(parseCmgr([]), null);
    assertInvalid(() => parseCmgr(['+CMGR: 0,,30']), '+CMGR:');
    assertInvalid(() => parseCmgr(['+CMGR: 0,,30', 'not hex']), '+CMGR:');
  });

  it('parseCmgl: every entry with its index', () => {
    const lines = ['+CMGL: 1,1,,30', DELIVER_PDU, '+CMGL: 4,0,"Bob",30', DELIVER_PDU];
    assert.deepEqual(parseCmgl(lines), [
      { index: 1, mode: 'pdu', stat: 1, alpha: null, length: 30, pdu: DELIVER_PDU },
      { index: 4, mode: 'pdu', stat: 0, alpha: 'Bob', length: 30, pdu: DELIVER_PDU },
    ]);
    assert.deepEqual(parseCmgl(['+CMGL: 2,"REC READ","+31641600986",,"08/02/26,19:37:41+04"', 'Hi']), [
      {
        index: 2, mode: 'text', stat: 'REC READ', originator: '+31641600986', alpha: null,
        serviceCentreTime: '08/02/26,19:37:41+04', fields: ['REC READ', '+31641600986', '', '08/02/26,19:37:41+04'], text: 'Hi',
      },
    ]);
    assert.deepEqual(parseCmgl([]), []);
  });

  it('parseCmgl: a bad entry stands in its place, named by its index, and the ones after it are read', () => {
    const lines = ['+CMGL: 1,1,,30', DELIVER_PDU, '+CMGL: 2,1,,30', 'NOT HEX', '+CMGL: x,1,,30', DELIVER_PDU, '+CMGL: 5,1,,30', DELIVER_PDU];
    const entries = parseCmgl(lines);
    assert.deepEqual(entries.map((e) => [e.index, 'invalid' in e]), [[1, false], [2, true], [null, true], [5, false]]);
    for (const entry of entries) {
      if (!('invalid' in entry)) continue;
      assertInvalid(() => {
        throw entry.invalid;
      }, '+CMGL:');
    }
    assert.match((entries[1] as { invalid: Error }).invalid.message, /NOT HEX/);
  });

  it('throws nothing but SmsGateError USER_DATA_INVALID, whatever the lines', () => {
    const parsers = [parseCsq, parseCreg, parseCpin, parseCmgs, parseCmgr, parseCmgl];
    const prefixes = ['+CSQ: ', '+CREG: ', '+CPIN: ', '+CMGS: ', '+CMGR: ', '+CMGL: ', ''];
    const line = fc.tuple(fc.constantFrom(...prefixes), fc.string({ maxLength: 30 })).map(([p, s]) => p + s);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), (lines) => {
        for (const parse of parsers) {
          try {
            parse(lines);
          } catch (err) {
            assert.ok(err instanceof SmsGateError && err.code === 'USER_DATA_INVALID', String(err));
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
