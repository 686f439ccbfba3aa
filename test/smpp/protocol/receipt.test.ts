import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deliverSmFields } from '../../../src/smpp/protocol/deliver-sm';
import { messageIdKeys, normaliseMessageId } from '../../../src/smpp/protocol/message-id';
import {
  isReceipt,
  parseReceiptText,
  receiptFromDeliverSm,
  STAT_VARIANTS,
  type ReceiptPdu,
} from '../../../src/smpp/protocol/receipt';
import { parseKeepingUserData, serialise } from './smpp-package';

const utc = (...parts: [number, number, number, number, number, number?]) =>
  new Date(Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5] ?? 0));

function receiptPdu(text: string, extra: Partial<ReceiptPdu> = {}): ReceiptPdu {
  return { esm_class: 0x04, data_coding: 0, short_message: Buffer.from(text, 'latin1'), ...extra };
}

describe('parseReceiptText', () => {
  it('reads the SMPP 3.4 Appendix B format', () => {
    const text =
      'id:1234567890 sub:001 dlvrd:001 submit date:2601151430 done date:2601151431 stat:DELIVRD err:000 Text:Hello there';
    assert.deepEqual(parseReceiptText(text), {
      id: '1234567890',
      sub: 1,
      dlvrd: 1,
      submitDate: utc(2026, 1, 15, 14, 30),
      doneDate: utc(2026, 1, 15, 14, 31),
      stat: 'DELIVRD',
      err: '000',
      text: 'Hello there',
    });
  });

  it('reads the variants of public receipt parsers and SMSCs', () => {
    // RestComm smscgateway, ParseDeliveryReceiptTest: a non-final state and an empty text.
    const restcomm = parseReceiptText(
      'id:0512249005 sub:001 dlvrd:000 submit date:1609051327 done date:1609051337 stat:ENROUTE err:054 text:',
    );
    assert.equal(restcomm?.id, '0512249005');
    assert.equal(restcomm?.stat, 'ENROUTE');
    assert.equal(restcomm?.err, '054');
    assert.equal(restcomm?.text, '');
    assert.deepEqual(restcomm?.doneDate, utc(2016, 9, 5, 13, 37));

    // jsmpp, ExampleDeliveryReceiptStripperTest: no err, no text.
    const jsmpp = parseReceiptText('id:123456 sub:234 dlvrd:000 submit date:1604052345 done date:1605021145 stat:DELIVRD');
    assert.deepEqual(jsmpp, {
      id: '123456',
      sub: 234,
      dlvrd: 0,
      submitDate: utc(2016, 4, 5, 23, 45),
      doneDate: utc(2016, 5, 2, 11, 45),
      stat: 'DELIVRD',
    });

    // Quoted as Kannel's in a public TypeScript receipt parser's tests: a UUID id, a 12-digit done date.
    const kannel = parseReceiptText(
      'id:5516a151-4970-45b6-b73e-95aefdb11cbf sub:001 dlvrd:001 submit date:2302231414 done date:230223194211 stat:DELIVRD err:000 text:Hello',
    );
    assert.equal(kannel?.id, '5516a151-4970-45b6-b73e-95aefdb11cbf');
    assert.deepEqual(kannel?.submitDate, utc(2023, 2, 23, 14, 14));
    assert.deepEqual(kannel?.doneDate, utc(2023, 2, 23, 19, 42, 11));

    // Quoted as GoIP's in the same tests: unpadded counts, `Text:` capitalised.
    const goip = parseReceiptText(
      'id:88316820 sub:0 dlvrd:0 submit date:2302281324 done date:2302281325 stat:UNDELIV err:500 Text:Hello World from out',
    );
    assert.equal(goip?.sub, 0);
    assert.equal(goip?.stat, 'UNDELIV');
    assert.equal(goip?.err, '500');
    assert.equal(goip?.text, 'Hello World from out');

    // Telestax's DLR parser test: the text padded with spaces, kept as sent.
    const telestax = parseReceiptText(
      'id:0000058049 sub:001 dlvrd:001 submit date:1805170144 done date:1805170144 stat:DELIVRD err:000 text:none                ',
    );
    assert.equal(telestax?.text, 'none                ');
  });

  it('tolerates key case, extra spaces, underscores and a NUL terminator', () => {
    const text = 'ID:abc123  SUB:001   DLVRD:001 Submit_Date:2601151430 DONE_DATE:260115143059 Stat:delivered ERR:000 TEXT:hi\0';
    assert.deepEqual(parseReceiptText(text), {
      id: 'abc123',
      sub: 1,
      dlvrd: 1,
      submitDate: utc(2026, 1, 15, 14, 30),
      doneDate: utc(2026, 1, 15, 14, 30, 59),
      stat: 'DELIVRD',
      err: '000',
      text: 'hi',
    });
    assert.equal(parseReceiptText('id: 42 stat: DELIVRD')?.id, '42');
    assert.deepEqual(parseReceiptText('id:42 submitdate:2601151430 stat:EXPIRED')?.submitDate, utc(2026, 1, 15, 14, 30));
  });

  it('lets the text run to the end, colons and keys included', () => {
    const fields = parseReceiptText('id:7 stat:DELIVRD err:000 text:Meet at 10:30 stat:UNDELIV id:8');
    assert.equal(fields?.text, 'Meet at 10:30 stat:UNDELIV id:8');
    assert.equal(fields?.stat, 'DELIVRD');
    assert.equal(fields?.id, '7');
  });

  it('maps the stat words seen in the wild to the Appendix B ones and keeps others upper-cased', () => {
    const variants: [string, string][] = [
      ['DELIVERED', 'DELIVRD'],
      ['undeliverable', 'UNDELIV'],
      ['UNDELIVERED', 'UNDELIV'],
      ['FAILED', 'UNDELIV'],
      ['REJECTED', 'REJECTD'],
      ['ACCEPTED', 'ACCEPTD'],
      ['ACKED', 'ACCEPTD'],
      ['SUBMITTED', 'ENROUTE'],
      ['enroute', 'ENROUTE'],
      ['expired', 'EXPIRED'],
      ['buffred', 'BUFFRED'],
    ];
    for (const [word, stat] of variants) assert.equal(parseReceiptText(`id:1 stat:${word}`)?.stat, stat, word);
  });

  it('gives null for dates that are no YYMMDDhhmm[ss] and leaves out non-numeric counts', () => {
    const fields = parseReceiptText('id:1 sub:x dlvrd:001 submit date:2613011200 done date:26011512 stat:DELIVRD');
    assert.equal(fields?.submitDate, null); // month 13
    assert.equal(fields?.doneDate, null); // 8 digits
    assert.equal(fields?.sub, undefined);
    assert.equal(parseReceiptText('id:1 done date:2602301200 stat:DELIVRD')?.doneDate, null); // 30 February
  });

  it('keeps the first of a repeated key', () => {
    assert.equal(parseReceiptText('id:1 stat:DELIVRD stat:UNDELIV')?.stat, 'DELIVRD');
  });

  it('returns null for texts that are no receipt', () => {
    for (const text of ['', 'Hello', 'my id:5 is here', 'text:id:1 stat:DELIVRD', 'identity:1 status:ok', 'id:1']) {
      assert.equal(parseReceiptText(text), null, JSON.stringify(text));
    }
  });

  it('reads any text as the regular-expression reading does', () => {
    // Fragments that make keys, near-keys, values, dates and the whitespace variants likely.
    const fragment = fc.constantFrom(
      'id', 'ID', 'Id', 'sub', 'SUB', 'submit', 'Submit', 'date', 'DATE', 'done', 'dlvrd', 'stat', 'Stat', 'err', 'text', 'Text',
      'status', 'identity', 'subx', ':', ': ', ' ', '  ', '_', '\t', '\n', '\u00a0', '\u2003', '\u0085', '\0', 'DELIVRD',
      'delivered', 'failed', '001', '0', '2601151430', '260115143059', '2613011200', 'x', 'Ä', 'ſ', '\u212a',
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        assert.deepEqual(parseReceiptText(text), regexReading(text), JSON.stringify(text));
      }),
      { numRuns: 5000 },
    );
  });
});

/** parseReceiptText as first written, with regular expressions: the reading the scanner keeps. */
function regexReading(text: string): ReturnType<typeof parseReceiptText> {
  const KEY = /(?:^|\s)(id|sub|dlvrd|submit[\s_]*date|done[\s_]*date|stat|err|text)\s*:/gi;
  const source = text.replace(/\0+$/, '');
  const keys = [...source.matchAll(KEY)];
  const fields: NonNullable<ReturnType<typeof parseReceiptText>> = {};
  const seen = new Set<string>();
  const date = (value: string) => {
    const match = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?$/.exec(value);
    if (match === null) return null;
    const [year, month, day, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
    const parsed = new Date(Date.UTC(2000 + year, month - 1, day, hours, minutes, seconds));
    const readBack = [parsed.getUTCMonth() + 1, parsed.getUTCDate(), parsed.getUTCHours(), parsed.getUTCMinutes(), parsed.getUTCSeconds()];
    return readBack.every((part, i) => part === [month, day, hours, minutes, seconds][i]) ? parsed : null;
  };
  for (const [index, match] of keys.entries()) {
    const key = match[1]!.toLowerCase().replace(/[\s_]/g, '');
    const valueStart = match.index + match[0].length;
    if (key === 'text') {
      fields.text = source.slice(valueStart);
      break;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    const value = source.slice(valueStart, keys[index + 1]?.index ?? source.length).trim().split(/\s+/)[0]!;
    if (value === '') continue;
    if (key === 'id') fields.id = value;
    else if ((key === 'sub' || key === 'dlvrd') && /^\d+$/.test(value)) fields[key] = Number(value);
    else if (key === 'submitdate') fields.submitDate = date(value);
    else if (key === 'donedate') fields.doneDate = date(value);
    else if (key === 'stat') fields.stat = STAT_VARIANTS[value.toUpperCase()] ?? value.toUpperCase();
    else if (key === 'err') fields.err = value;
  }
  return seen.size >= 2 ? fields : null;
}

describe('isReceipt', () => {
  it('counts SMSC delivery receipts and intermediate notifications, whatever the other esm_class bits', () => {
    assert.equal(isReceipt(0x04), true);
    assert.equal(isReceipt(0x20), true);
    assert.equal(isReceipt(0x44), true); // with UDHI
    assert.equal(isReceipt(0x07), true); // with messaging mode bits
    for (const esmClass of [0x00, 0x08, 0x10, 0x18, 0x40, 0x03, 0x24, 0x0c]) {
      assert.equal(isReceipt(esmClass), false, `0x${esmClass.toString(16)}`);
    }
  });
});

describe('receiptFromDeliverSm', () => {
  const text = 'id:0489708364 sub:001 dlvrd:001 submit date:1810151907 done date:1810151908 stat:DELIVRD err:000 text:Hi';

  it('reads the id, state, error and done time from the text', () => {
    assert.deepEqual(receiptFromDeliverSm(receiptPdu(text)), {
      providerId: '0489708364',
      state: 'DELIVERED',
      errorCode: '000',
      doneAt: Date.UTC(2018, 9, 15, 19, 8),
    });
  });

  it('prefers the TLVs to the text', () => {
    const receipt = receiptFromDeliverSm(
      receiptPdu(text, { receipted_message_id: '1d305b4c', message_state: 5, network_error_code: Buffer.from([3, 0, 27]) }),
    );
    assert.deepEqual(receipt, {
      providerId: '1d305b4c',
      state: 'UNDELIVERED',
      errorCode: '3:27',
      doneAt: Date.UTC(2018, 9, 15, 19, 8),
    });
  });

  it('maps every message_state', () => {
    const expected = ['SUBMITTED', 'DELIVERED', 'EXPIRED', 'DELETED', 'UNDELIVERED', 'SUBMITTED', 'UNKNOWN', 'REJECTED', 'UNDELIVERED'];
    expected.forEach((state, index) => {
      const receipt = receiptFromDeliverSm(receiptPdu('', { receipted_message_id: 'A1', message_state: index + 1 }));
      assert.deepEqual(receipt, { providerId: 'A1', state }, `message_state ${index + 1}`);
    });
  });

  it('falls back to the text for a message_state out of range, an empty id TLV or a malformed error TLV', () => {
    const receipt = receiptFromDeliverSm(
      receiptPdu(text, { receipted_message_id: ' ', message_state: 0, network_error_code: Buffer.from([3, 27]) }),
    );
    assert.equal(receipt?.providerId, '0489708364');
    assert.equal(receipt?.state, 'DELIVERED');
    assert.equal(receipt?.errorCode, '000');
  });

  it('makes an intermediate notification SUBMITTED whatever its stat', () => {
    const receipt = receiptFromDeliverSm(receiptPdu('id:9 stat:UNDELIV err:027', { esm_class: 0x20 }));
    assert.deepEqual(receipt, { providerId: '9', state: 'SUBMITTED', errorCode: '027' });
    const vendorWord = receiptFromDeliverSm(receiptPdu('id:9 stat:BUFFRED err:001', { esm_class: 0x20 }));
    assert.equal(vendorWord?.state, 'SUBMITTED');
  });

  it('returns null for no receipt, no id, or a final state it does not know', () => {
    assert.equal(receiptFromDeliverSm(receiptPdu(text, { esm_class: 0x00 })), null);
    assert.equal(receiptFromDeliverSm(receiptPdu(text, { esm_class: 0x08 })), null);
    assert.equal(receiptFromDeliverSm(receiptPdu('sub:001 stat:DELIVRD err:000')), null);
    assert.equal(receiptFromDeliverSm(receiptPdu('id:5 stat:BUFFRED err:000')), null);
    assert.equal(receiptFromDeliverSm(receiptPdu('Hello')), null);
  });

  it('reads the text as Latin-1 octets whatever the data coding, except UCS-2, and from message_payload', () => {
    // Read through the GSM table, 0x5F would be '§' and `submit_date` would not be a key.
    const underscore = receiptFromDeliverSm(receiptPdu('id:5 submit_date:2601151430 done_date:2601151431 stat:DELIVRD'));
    assert.equal(underscore?.doneAt, Date.UTC(2026, 0, 15, 14, 31));
    const ucs2 = Buffer.from('id:5 stat:EXPIRED', 'utf16le').swap16();
    assert.equal(receiptFromDeliverSm(receiptPdu('', { data_coding: 8, short_message: ucs2 }))?.state, 'EXPIRED');
    const inPayload = receiptPdu('', { message_payload: Buffer.from('id:6 stat:REJECTD', 'latin1') });
    assert.deepEqual(receiptFromDeliverSm(inPayload), { providerId: '6', state: 'REJECTED' });
  });

  it('reads a captured deliver_sm parsed by the smpp package with its user data kept raw', () => {
    // The PDU of python-smpplib's tests/test_command.py (test_parse_deliver_sm), octet for octet:
    // the id is hex in receipted_message_id and decimal in the text, which is in message_payload
    // and quotes the message as UCS-2 octets although data_coding is 0.
    const captured = Buffer.from(
      '\x00\x00\x00\xcb\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x01\x00' +
        '\x01\x0131600000000\x00\x05\x00XXX YYYY\x00\x04\x00\x00\x00\x00\x00' +
        '\x00\x00\x00\x00\x00\x0e\x00\x01\x01\x00\x06\x00\x01\x01\x00\x1e\x00' +
        "\t1d305b4c\x00\x04'\x00\x01\x02\x04$\x00rid:0489708364 sub:001" +
        ' dlvrd:001 submit date:1810151907 done date:1810151907 stat:DELIVRD' +
        ' err:000 text:\x04\x1f\x04@\x048\x042\x045\x04B\x04&\x00\x01\x01',
      'latin1',
    );
    const fields = deliverSmFields(parseKeepingUserData(captured));
    const receipt = receiptFromDeliverSm(fields);
    assert.deepEqual(receipt, {
      providerId: '1d305b4c',
      state: 'DELIVERED',
      errorCode: '000',
      doneAt: Date.UTC(2018, 9, 15, 19, 7),
      address: '+31600000000', // source_addr, TON 1: the recipient of the message it reports on
    });
    const textId = parseReceiptText(fields.message_payload!.toString('latin1'))?.id;
    assert.equal(textId, '0489708364');
    // 0x1D305B4C = 489708364: the two forms are one id.
    assert.ok(messageIdKeys(textId!).includes(normaliseMessageId(receipt!.providerId)));
  });

  it('names the address the receipt is about: its source_addr, with + when the TON says international', () => {
    const from = (source_addr: string, source_addr_ton: number) =>
      receiptFromDeliverSm(receiptPdu('id:7 stat:DELIVRD', { source_addr, source_addr_ton }))?.address;
    assert.equal(from('447400123456', 1), '+447400123456');
    assert.equal(from('07400123456', 2), '07400123456');
    assert.equal(from('447400123456', 0), '447400123456');
    assert.equal(from('', 1), undefined);
    assert.equal(receiptFromDeliverSm(receiptPdu('id:7 stat:DELIVRD'))?.address, undefined);
  });

  it('cuts a receipted_message_id sent without its NUL where the smpp package read on into the next TLV', () => {
    const body = Buffer.concat([
      serialise('deliver_sm', { esm_class: 0x04, data_coding: 0, short_message: Buffer.alloc(0) }).subarray(16),
      Buffer.from('001e0008', 'hex'),
      Buffer.from('1d305b4c', 'latin1'), // 8 octets, no NUL
      Buffer.from('0427000102' + '0423000303001b', 'hex'), // message_state 2, network_error_code GSM 27
    ]);
    const header = Buffer.alloc(16);
    header.writeUInt32BE(16 + body.length, 0);
    header.writeUInt32BE(0x00000005, 4);
    const parsed = parseKeepingUserData(Buffer.concat([header, body]));
    assert.equal(parsed.receipted_message_id, "1d305b4c\u0004'"); // the package's reading
    assert.deepEqual(receiptFromDeliverSm(deliverSmFields(parsed)), { providerId: '1d305b4c', state: 'DELIVERED', errorCode: '3:27' });
  });
});
