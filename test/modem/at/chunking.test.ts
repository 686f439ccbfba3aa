/**
 * A serial port hands over bytes in whatever chunks the USB driver and the read loop make: the
 * same byte stream must give the same responses, URCs and noise however it is cut.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { closeRig, openRig, outcome, sent, settle } from './mock-modem';

const DELIVER_PDU = '07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07';
const STATUS_REPORT_PDU = '07911326040000F0060C0B911346610089F6208062917314082080629173150800';
const BODY = '0011000B911346610089F60000AA0CC8F71D14969741F977FD07';

/**
 * What the modem says to AT+CMGS (with the prompt and a URC before the answer) and then to
 * AT+CMGL=4 (two-line URCs between its entries and its OK), then unsolicited two-line codes.
 */
const STREAM = Buffer.from(
  [
    '\r\n> ',
    '\r\n+CMTI: "SM",5\r\n',
    '\r\n+CMGS: 12\r\n\r\nOK\r\n',
    `\r\n+CMGL: 1,1,,30\r\n${DELIVER_PDU}\r\n`,
    `\r\n+CMT: ,30\r\n${DELIVER_PDU}\r\n`,
    `+CMGL: 2,0,"Bob",30\r\n${DELIVER_PDU}\r\n`,
    `+CDS: 25\r\n${STATUS_REPORT_PDU}\r\n`,
    '\r\nOK\r\n',
    `\r\n+CDS: 25\r\n${STATUS_REPORT_PDU}\r\n`,
    '+CMT: "+31641600986",,"08/02/26,19:37:41+04"\r\nHow are you?\r\n',
    'RING\n\rgarbage\r\n',
  ].join(''),
  'latin1',
);

const EXPECTED = {
  cmgs: ['+CMGS: 12'],
  cmgl: ['+CMGL: 1,1,,30', DELIVER_PDU, '+CMGL: 2,0,"Bob",30', DELIVER_PDU],
  urcs: [
    { type: 'CMTI', storage: 'SM', index: 5 },
    { type: 'CMT', alpha: null, length: 30, pdu: DELIVER_PDU },
    { type: 'CDS', length: 25, pdu: STATUS_REPORT_PDU },
    { type: 'CDS', length: 25, pdu: STATUS_REPORT_PDU },
    {
      type: 'CMT-TEXT',
      originator: '+31641600986',
      alpha: null,
      serviceCentreTime: '08/02/26,19:37:41+04',
      fields: ['+31641600986', '', '08/02/26,19:37:41+04'],
      text: 'How are you?',
    },
    { type: 'RING' },
  ],
  noise: ['garbage'],
  written: `AT+CMGS=24\r${BODY}\x1aAT+CMGL=4\r`,
};

/** Plays STREAM cut at `cuts` (sorted offsets) and returns what came out of the engine. */
async function play(cuts: number[]) {
  const rig = await openRig();
  try {
    const cmgs = outcome(rig.engine.commandWithPrompt('AT+CMGS=24', BODY));
    const cmgl = outcome(rig.engine.command('AT+CMGL=4'));
    await settle();
    let from = 0;
    for (const cut of [...cuts, STREAM.length]) {
      rig.modem.emitData(STREAM.subarray(from, cut));
      from = cut;
      await settle();
    }
    return { cmgs: await cmgs, cmgl: await cmgl, urcs: rig.urcs, noise: rig.noise, written: sent(rig) };
  } finally {
    await closeRig(rig);
  }
}

function assertExpected(result: Awaited<ReturnType<typeof play>>, cuts: number[]): void {
  const where = `cut at ${JSON.stringify(cuts)}`;
  assert.deepEqual(result.cmgs, { value: EXPECTED.cmgs }, where);
  assert.deepEqual(result.cmgl, { value: EXPECTED.cmgl }, where);
  assert.deepEqual(result.urcs, EXPECTED.urcs, where);
  assert.deepEqual(result.noise, EXPECTED.noise, where);
  assert.equal(result.written, EXPECTED.written, where);
}

describe('AT engine: chunking', function () {
  this.timeout(120_000);

  it('gives the same results for the stream in one chunk', async () => {
    assertExpected(await play([]), []);
  });

  it('gives the same results cut in two at every byte boundary', async () => {
    for (let cut = 1; cut < STREAM.length; cut++) assertExpected(await play([cut]), [cut]);
  });

  it('gives the same results for any chunking (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: STREAM.length - 1 }), { maxLength: 60 }), async (cuts) => {
        cuts.sort((a, b) => a - b);
        assertExpected(await play(cuts), cuts);
      }),
      { numRuns: 150 },
    );
  });

  it('gives the same results byte by byte', async () => {
    const every = Array.from({ length: STREAM.length - 1 }, (_, i) => i + 1);
    assertExpected(await play(every), every);
  });
});
