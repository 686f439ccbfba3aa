/** Garbage on the line (binary at the wrong baud rate, half lines, look-alikes) never throws. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { closeRig, openRig, reply, settle, written } from './mock-modem';

/** Fragments that steer the engine into its less travelled paths: two-line headers, prompts, CREG shapes. */
const FRAGMENTS = [
  '\r\n', '\r', '\n', '> ', '>', 'OK', 'ERROR', '+CME ERROR: ', '+CMS ERROR: ', '+CMT: ', '+CMT: ,', '+CDS: ',
  '+CMTI: "SM",', '+CDSI: ', '+CREG: ', '+CPIN: ', 'RING', '^RSSI:', ',', '"', '\x1a', '\x1b', '\x00', '\xff', '99',
];

const noiseStream = fc.array(
  fc.oneof(
    fc.constantFrom(...FRAGMENTS),
    fc.string({ maxLength: 20 }),
    fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  ),
  { maxLength: 80 },
);

describe('AT engine: garbage', function () {
  this.timeout(120_000);

  it('never throws on random bytes or look-alike text, and still answers a command after', async () => {
    await fc.assert(
      fc.asyncProperty(noiseStream, fc.integer({ min: 1, max: 64 }), async (parts, chunkSize) => {
        const rig = await openRig({ maxLineLength: 256 });
        try {
          const bytes = Buffer.from(parts.join(''), 'latin1');
          for (let i = 0; i < bytes.length; i += chunkSize) rig.modem.emitData(bytes.subarray(i, i + chunkSize));
          await settle();
          for (const line of rig.noise) assert.equal(typeof line, 'string');
          for (const line of rig.noise) assert.ok(line.length <= 256);
          // A line closes whatever the garbage left open: a half line, or a +CMT header waiting for its text.
          await reply(rig, '\r\nflush\r\n');
          const at = rig.engine.command('AT');
          await written(rig, 'AT\r');
          await reply(rig, '\r\nOK\r\n');
          assert.deepEqual(await at, []);
        } finally {
          await closeRig(rig);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on random bytes while a command is in flight, and rejects or resolves it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        const rig = await openRig({ timeoutMs: 50, lateGraceMs: 10 });
        try {
          const done = rig.engine.command('AT+CSQ').then(
            () => 'resolved',
            () => 'rejected',
          );
          await written(rig, 'AT+CSQ\r');
          rig.modem.emitData(Buffer.from(bytes));
          await settle();
          assert.ok(['resolved', 'rejected'].includes(await done));
        } finally {
          await closeRig(rig);
        }
      }),
      { numRuns: 60 },
    );
  });
});
