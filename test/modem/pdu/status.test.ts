/** TP-ST (TS 23.040 §9.2.3.15) to the contract's message states. */
import assert from 'node:assert/strict';
import { statusReportOutcome } from '../../../src/modem/pdu';
import { FINAL_STATES, type MessageState } from '../../../src/types';
import { assertSmsGateError } from '../../encoding/helpers';

function finalState(status: number): MessageState {
  const outcome = statusReportOutcome(status);
  assert.ok(outcome.final, `TP-ST ${status} should be final`);
  return outcome.state;
}

describe('PDU codec: statusReportOutcome', () => {
  it('maps the values TS 23.040 names', () => {
    const expected: [number, MessageState][] = [
      [0x00, 'DELIVERED'],
      [0x01, 'UNKNOWN'], // forwarded, delivery not confirmed
      [0x02, 'DELETED'], // replaced by the SC
      [0x40, 'UNDELIVERED'],
      [0x41, 'UNDELIVERED'],
      [0x42, 'REJECTED'], // connection rejected by SME
      [0x43, 'UNDELIVERED'],
      [0x44, 'UNDELIVERED'],
      [0x45, 'UNDELIVERED'],
      [0x46, 'EXPIRED'],
      [0x47, 'DELETED'],
      [0x48, 'DELETED'],
      [0x49, 'UNKNOWN'], // SM does not exist
      [0x60, 'UNDELIVERED'],
      [0x61, 'UNDELIVERED'],
      [0x62, 'UNDELIVERED'],
      [0x63, 'REJECTED'], // service rejected, no more attempts
      [0x64, 'UNDELIVERED'],
      [0x65, 'UNDELIVERED'],
    ];
    for (const [status, state] of expected) assert.equal(finalState(status), state, `TP-ST 0x${status.toString(16)}`);
  });

  it('is not final while the SC is still trying (0x20-0x3F), and says why', () => {
    for (let status = 0x20; status <= 0x3f; status++) assert.equal(statusReportOutcome(status).final, false);
    assert.match(statusReportOutcome(0x21).description, /still trying: SME busy \(TP-ST 0x21\)/);
    assert.match(statusReportOutcome(0x35).description, /specific to the SC/);
  });

  it('gives reserved and SC-specific values the meaning of their group', () => {
    assert.equal(finalState(0x03), 'UNKNOWN');
    assert.equal(finalState(0x1f), 'UNKNOWN');
    assert.equal(finalState(0x4a), 'UNDELIVERED');
    assert.equal(finalState(0x5f), 'UNDELIVERED');
    assert.equal(finalState(0x66), 'UNDELIVERED');
    assert.equal(finalState(0x7f), 'UNDELIVERED');
    assert.equal(finalState(0x80), 'UNKNOWN');
    assert.equal(finalState(0xff), 'UNKNOWN');
    assert.match(statusReportOutcome(0x50).description, /permanent error, a value specific to the SC \(TP-ST 0x50\)/);
  });

  it('gives a final contract state and a description for every octet', () => {
    for (let status = 0; status <= 0xff; status++) {
      const outcome = statusReportOutcome(status);
      assert.ok(outcome.description.length > 0);
      if (outcome.final) assert.ok(FINAL_STATES.has(outcome.state), `${outcome.state} is not final`);
    }
    assert.match(statusReportOutcome(0x46).description, /validity period expired/);
  });

  it('refuses what is not an octet', () => {
    assertSmsGateError(() => statusReportOutcome(256), 'OPTION_INVALID', /status/);
  });
});
