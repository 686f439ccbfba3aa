import assert from 'node:assert/strict';
import { bindRefusal, classifyStatus, COMMAND_STATUS, formatStatus, smppError, statusName } from '../../../src/smpp/protocol/status';

const smppPackage = require('smpp') as Record<string, unknown>;

describe('command_status', () => {
  it('classifies the codes a submit or a bind gets', () => {
    const expected: [number, string][] = [
      [0x00, 'ok'],
      [0x58, 'throttled'], // ESME_RTHROTTLED
      [0x14, 'throttled'], // ESME_RMSGQFUL
      [0x08, 'temporary'], // ESME_RSYSERR
      [0x45, 'temporary'], // ESME_RSUBMITFAIL
      [0x64, 'temporary'], // ESME_RX_T_APPN
      [0x04, 'temporary'], // ESME_RINVBNDSTS: the session, not the message
      [0x0d, 'temporary'], // ESME_RBINDFAIL
      [0xff, 'temporary'], // ESME_RUNKNOWNERR
      [0x0a, 'permanent'], // ESME_RINVSRCADR
      [0x0b, 'permanent'], // ESME_RINVDSTADR
      [0x01, 'permanent'], // ESME_RINVMSGLEN
      [0x0e, 'permanent'], // ESME_RINVPASWD
      [0x0f, 'permanent'], // ESME_RINVSYSID
      [0x62, 'permanent'], // ESME_RINVEXPIRY
      [0x66, 'permanent'], // ESME_RX_R_APPN
      [0xc4, 'permanent'], // ESME_RINVOPTPARAMVAL
      [0x104, 'permanent'], // ESME_RINVDCS (SMPP 5.0)
      [0x400, 'temporary'], // vendor-specific
      [0x4ff, 'temporary'],
      [0x09, 'temporary'], // reserved, unknown
      [0x10000, 'temporary'],
    ];
    for (const [code, verdict] of expected) assert.equal(classifyStatus(code), verdict, formatStatus(code));
  });

  it('names codes, vendor-specific and unknown ones included', () => {
    assert.equal(statusName(0x0b), 'ESME_RINVDSTADR');
    assert.equal(statusName(0x58), 'ESME_RTHROTTLED');
    assert.equal(statusName(0x401), 'vendor-specific status');
    assert.equal(statusName(0x09), 'unknown status');
    assert.equal(formatStatus(0x0b), '0x0000000B');
    assert.equal(formatStatus(0xffffffff), '0xFFFFFFFF');
  });

  it('agrees with the smpp package on every code both name', () => {
    const shared = Object.entries(COMMAND_STATUS).filter(([name]) => name in smppPackage);
    assert.ok(shared.length >= 50, `only ${shared.length} names shared`);
    for (const [name, code] of shared) assert.equal(smppPackage[name], code, name);
    assert.equal(COMMAND_STATUS.ESME_RTHROTTLED, 0x58);
  });

  it('makes the error a transport raises, with the status as providerCode', () => {
    const permanent = smppError(0x0b, 'submit_sm');
    assert.equal(permanent.code, 'TRANSPORT_PERMANENT');
    assert.equal(permanent.message, 'submit_sm refused: ESME_RINVDSTADR (invalid destination address)');
    assert.equal(permanent.providerCode, 0x0b);
    const throttled = smppError(0x58, 'submit_sm');
    assert.equal(throttled.code, 'TRANSPORT_TEMPORARY');
    assert.equal(classifyStatus(Number(throttled.providerCode)), 'throttled');
    const vendor = smppError(0x401, 'bind_transceiver');
    assert.equal(vendor.code, 'TRANSPORT_TEMPORARY');
    assert.equal(vendor.message, 'bind_transceiver refused: vendor-specific status (0x00000401)');
    assert.throws(() => smppError(0, 'submit_sm'), /bug/);
  });

  it('says a refused bind with the status name and its meaning; refusals for good are TRANSPORT_PERMANENT', () => {
    const password = bindRefusal(0x0e);
    assert.equal(password.message, 'bind refused by the SMSC: ESME_RINVPASWD (wrong password)');
    assert.equal(password.code, 'TRANSPORT_PERMANENT');
    assert.equal(password.providerCode, 0x0e);
    assert.equal(bindRefusal(0x0f).message, 'bind refused by the SMSC: ESME_RINVSYSID (unknown system id)');
    // A bind refused without saying why may be a session limit: it is worth trying again soon.
    assert.equal(bindRefusal(0x0d).code, 'TRANSPORT_UNAVAILABLE');
    assert.equal(bindRefusal(0x0d).message, 'bind refused by the SMSC: ESME_RBINDFAIL (bind failed)');
  });
});
