/** The AT session over a real pty: identification, echo, errors, SIM PIN/PUK, network status. */
import assert from 'node:assert/strict';
import { IDENTITY } from '../../../src/modem/simulator';
import { cleanUp, startModem, Terminal } from './helpers';

describe('modem simulator: the AT session', function () {
  this.timeout(20_000);
  afterEach(cleanUp);

  it('echoes until ATE0, identifies itself and frames responses as V.250 says', async () => {
    const { term } = await startModem();
    const at = await term.at('AT');
    assert.equal(at.raw, 'AT\r\r\nOK\r\n', 'echo then the final result code');
    assert.deepEqual((await term.at('AT+CGMI')).lines, [IDENTITY.manufacturer]);
    assert.deepEqual((await term.at('AT+CGMM')).lines, [IDENTITY.model]);
    assert.deepEqual((await term.at('AT+CGMR')).lines, [IDENTITY.revision]);
    assert.deepEqual((await term.at('AT+CGSN')).lines, [IDENTITY.imei]);
    assert.deepEqual((await term.at('ATI')).lines, [IDENTITY.manufacturer, IDENTITY.model, `Revision: ${IDENTITY.revision}`]);

    const off = await term.at('ATE0');
    assert.equal(off.raw, 'ATE0\r\r\nOK\r\n', 'ATE0 itself is still echoed');
    assert.equal((await term.at('AT+CSQ')).raw, '\r\n+CSQ: 20,99\r\n\r\nOK\r\n');
    assert.equal((await term.at('ATE1')).raw, '\r\nOK\r\n');
    assert.equal((await term.at('AT')).raw, 'AT\r\r\nOK\r\n');
  });

  it('answers ERROR to what it does not know, +CME ERROR with AT+CMEE, and runs ;-joined commands', async () => {
    const { term } = await startModem();
    await term.at('ATE0');
    assert.equal((await term.at('AT+FOO')).final, 'ERROR');
    assert.equal((await term.at('AT+CMEE=1')).final, 'OK');
    assert.equal((await term.at('AT+FOO')).final, '+CME ERROR: 4');
    assert.equal((await term.at('AT+CMEE=2')).final, 'OK');
    assert.equal((await term.at('AT+FOO')).final, '+CME ERROR: operation not supported');
    assert.equal((await term.at('AT+CMEE=7')).final, 'ERROR', 'a value out of range is a syntax error');
    assert.deepEqual(await term.at('AT+CMGF=1;+CMGF?;+CSCS="UCS2";+CSCS?'), {
      lines: ['+CMGF: 1', '+CSCS: "UCS2"'],
      final: 'OK',
      raw: '\r\n+CMGF: 1\r\n+CSCS: "UCS2"\r\n\r\nOK\r\n',
    });
    assert.equal((await term.at('ATZ')).final, 'OK');
    assert.deepEqual((await term.at('AT+CMGF?')).lines, ['+CMGF: 0'], 'ATZ restores PDU mode');
  });

  it('reports registration and signal as configured, and +CREG changes once AT+CREG=1 asks', async () => {
    const { sim, term } = await startModem({ signal: 17, registration: 5 });
    await term.init();
    assert.deepEqual((await term.at('AT+CSQ')).lines, ['+CSQ: 17,99']);
    assert.deepEqual((await term.at('AT+CREG?')).lines, ['+CREG: 0,5']);
    assert.deepEqual((await term.at('AT+CREG=2;+CREG?')).lines, ['+CREG: 2,5,"00A1","0000ABCD"']);
    await term.at('AT+CREG=1');
    sim.setRegistration(2);
    await term.expect(/\r\n\+CREG: 2\r\n/);
    assert.equal((await term.at('AT+CMGS=23')).final, '+CMS ERROR: 331', 'no network service while searching');
  });

  it('tells its own number with AT+CNUM only when the SIM knows it', async () => {
    const { term } = await startModem({ ownNumber: '+447700900999' });
    await term.init();
    assert.deepEqual((await term.at('AT+CNUM')).lines, ['+CNUM: "","+447700900999",145']);
    const other = await startModem();
    await other.term.init();
    assert.deepEqual(await other.term.at('AT+CNUM'), { lines: [], final: 'OK', raw: '\r\nOK\r\n' });
  });

  it('needs no PIN unless configured', async () => {
    const { term } = await startModem();
    await term.init();
    assert.deepEqual((await term.at('AT+CPIN?')).lines, ['+CPIN: READY']);
    assert.deepEqual((await term.at('AT+CIMI')).lines, [IDENTITY.imsi]);
    assert.equal((await term.at('AT+CPIN="1234"')).final, '+CME ERROR: 3', 'no PIN to enter');
  });

  it('takes the right PIN', async () => {
    const { term } = await startModem({ pin: '4321' });
    await term.init();
    assert.deepEqual((await term.at('AT+CPIN?')).lines, ['+CPIN: SIM PIN']);
    assert.equal((await term.at('AT+CIMI')).final, '+CME ERROR: 11');
    assert.equal((await term.at('AT+CMGL=4')).final, '+CMS ERROR: 311', 'SMS commands say SIM PIN required in CMS terms');
    assert.equal((await term.at('AT+CPIN="4321"')).final, 'OK');
    assert.deepEqual((await term.at('AT+CPIN?')).lines, ['+CPIN: READY']);
    assert.equal((await term.at('AT+CIMI')).final, 'OK');
  });

  it('locks the SIM after three wrong PINs and takes the PUK with a new PIN', async () => {
    const { term } = await startModem({ pin: '4321', puk: '87654321' });
    await term.init();
    for (let i = 0; i < 2; i++) {
      assert.equal((await term.at('AT+CPIN="0000"')).final, '+CME ERROR: 16');
      assert.deepEqual((await term.at('AT+CPIN?')).lines, ['+CPIN: SIM PIN']);
    }
    assert.equal((await term.at('AT+CPIN="0000"')).final, '+CME ERROR: 16');
    assert.deepEqual((await term.at('AT+CPIN?')).lines, ['+CPIN: SIM PUK']);
    assert.equal((await term.at('AT+CPIN="4321"')).final, '+CME ERROR: 12', 'even the right PIN is no use now');
    assert.equal((await term.at('AT+CMGS=23')).final, '+CMS ERROR: 316');
    assert.equal((await term.at('AT+CPIN="11111111","9999"')).final, '+CME ERROR: 16', 'a wrong PUK');
    assert.deepEqual((await term.at('AT+CPIN?')).lines, ['+CPIN: SIM PUK']);
    assert.equal((await term.at('AT+CPIN="87654321","9999"')).final, 'OK');
    assert.deepEqual((await term.at('AT+CPIN?')).lines, ['+CPIN: READY']);
  });

  it('asks for the new PIN after a power cycle', async () => {
    const { sim, path, term } = await startModem({ pin: '4321' });
    await term.init();
    await term.at('AT+CPIN="0000"');
    await term.at('AT+CPIN="0000"');
    assert.equal((await term.at('AT+CPIN="4321"')).final, 'OK', 'the tries left reset on success');
    await sim.faults.unplug();
    await sim.faults.replug();
    const again = await Terminal.open(path);
    assert.deepEqual((await again.at('AT+CPIN?')).lines, ['+CPIN: SIM PIN']);
    assert.equal((await again.at('AT+CPIN="4321"')).final, 'OK');
  });

  it('refuses PDU mode when it only does text mode', async () => {
    const { term } = await startModem({ textModeOnly: true });
    await term.init();
    assert.deepEqual((await term.at('AT+CMGF?')).lines, ['+CMGF: 1']);
    assert.equal((await term.at('AT+CMGF=0')).final, 'ERROR');
    assert.deepEqual((await term.at('AT+CMGF=?')).lines, ['+CMGF: (1)']);
    assert.equal((await term.at('AT+CMGF=1')).final, 'OK');
  });

  it('lists its storages and switches the read storage with AT+CPMS', async () => {
    const { term } = await startModem({ storageSize: 20 });
    await term.init();
    assert.deepEqual((await term.at('AT+CPMS?')).lines, ['+CPMS: "SM",0,20,"SM",0,20,"SM",0,20']);
    assert.deepEqual((await term.at('AT+CPMS="SR","SM","SM"')).lines, ['+CPMS: 0,20,0,20,0,20']);
    assert.deepEqual((await term.at('AT+CPMS?')).lines, ['+CPMS: "SR",0,20,"SM",0,20,"SM",0,20']);
    assert.equal((await term.at('AT+CPMS="ME"')).final, '+CMS ERROR: 302');
    assert.deepEqual((await term.at('AT+CSCA?')).lines, ['+CSCA: "+447700900000",145']);
  });
});
