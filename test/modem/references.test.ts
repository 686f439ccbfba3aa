import assert from 'node:assert/strict';
import { providerIdFor, ReferenceBook } from '../../src/modem/references';

const AT = Date.UTC(2026, 10, 26, 1, 30, 0);
const MINUTE = 60_000;

describe('modem status report pairing', () => {
  it('names a segment by its TP-MR, the last digits of the recipient and the UTC hour', () => {
    assert.equal(providerIdFor(17, '+447700900123', AT), '17/00900123/2026-11-26T01');
  });

  it('pairs a report with the latest submit of that reference and recipient, however the SMSC wrote the number', () => {
    const book = new ReferenceBook();
    const id = book.submitted(17, '+447700900123', AT);
    // The SMSC reports the recipient nationally, and stamps the submit two minutes later by its clock.
    const paired = book.pair(17, '07700900123', AT + 2 * MINUTE);
    assert.equal(paired.providerId, id);
  });

  it('after the reference wrapped, pairs the newer submit, and the older one only by its hour', () => {
    const book = new ReferenceBook();
    const older = book.submitted(5, '+447700900123', AT);
    const newer = book.submitted(5, '+447700900123', AT + 3 * 60 * MINUTE);
    assert.equal(book.pair(5, '+447700900123', AT + 3 * 60 * MINUTE + MINUTE).providerId, newer);
    // A late report of the older submit: too far from the remembered one, so rebuilt from its own time.
    assert.equal(book.pair(5, '+447700900123', AT + MINUTE).providerId, older);
  });

  it('after a restart, rebuilds the id from the report time, with the neighbouring hours as alternates', () => {
    const submittedAt = Date.UTC(2026, 10, 26, 1, 59, 59);
    const id = providerIdFor(200, '+447700900123', submittedAt);
    const paired = new ReferenceBook().pair(200, '+447700900123', submittedAt + 2000);
    assert.notEqual(paired.providerId, id, 'the SMSC took it in the next hour');
    assert.ok(paired.alternateIds.includes(id));
  });
});
