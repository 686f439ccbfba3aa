/** Encode -> decode: what the transport sends is what the simulator reads, and the other way round. */
import assert from 'node:assert/strict';
import { encodeMessage, type EncodeOptions } from '../../../src/encoding';
import {
  decodeMobileTerminatedPdu,
  decodeSubmitPdu,
  encodeDeliverPdu,
  encodeStatusReportPdu,
  encodeSubmitPdu,
  relativeValidityPeriod,
  relativeValiditySeconds,
  type DeliverPdu,
  type PduAddress,
  type StatusReportPdu,
} from '../../../src/modem/pdu';
import { assertSmsGateError } from '../../encoding/helpers';

const TO: PduAddress = { type: 'international', value: '+447700900123' };
const MINUTE = 60;
const HOUR = 3_600;
const DAY = 86_400;
const WEEK = 7 * DAY;

function submitRoundTrip(text: string, options: EncodeOptions = {}) {
  const message = encodeMessage(text, options);
  return message.segments.map((segment) => {
    const pdu = encodeSubmitPdu({
      smsc: '+447700900000',
      destination: TO,
      messageReference: 42,
      statusReportRequest: true,
      dataCoding: message.dataCoding,
      segment,
    });
    return { pdu, decoded: decodeSubmitPdu(pdu.hex, pdu.tpduLength), segment };
  });
}

function deliverRoundTrip(text: string, originator: PduAddress, options: EncodeOptions = {}): DeliverPdu[] {
  const message = encodeMessage(text, options);
  return message.segments.map((segment) => {
    const pdu = encodeDeliverPdu({
      smsc: '+447700900000',
      originator,
      serviceCentreTime: Date.UTC(2024, 1, 29, 23, 59, 58),
      dataCoding: message.dataCoding,
      segment,
    });
    const decoded = decodeMobileTerminatedPdu(pdu.hex, pdu.tpduLength);
    assert.equal(decoded.type, 'deliver');
    return decoded as DeliverPdu;
  });
}

describe('PDU codec: round trips', () => {
  describe('SMS-SUBMIT', () => {
    it('carries GSM7 text with extension characters (€ and { cost two septets)', () => {
      const [{ pdu, decoded }] = submitRoundTrip('Price: 5€ {approx} [ok] ~|^\\');
      assert.equal(decoded.text, 'Price: 5€ {approx} [ok] ~|^\\');
      assert.equal(decoded.dataCoding, 0);
      assert.equal(decoded.smsc, '+447700900000');
      assert.equal(decoded.messageReference, 42);
      assert.equal(decoded.statusReportRequest, true);
      assert.equal(decoded.rejectDuplicates, false);
      assert.equal(decoded.validitySeconds, null);
      assert.deepEqual(decoded.destination, TO);
      assert.equal(pdu.hex, pdu.hex.toUpperCase());
      // TP-UDL counts septets: 28 characters, 9 of them escaped. It follows the 8-octet SMSC field,
      // TP-MTI/TP-MR, the 8-octet TP-DA, TP-PID and TP-DCS.
      assert.equal(Buffer.from(pdu.hex, 'hex')[8 + 2 + 8 + 2], 37);
    });

    it('carries UCS-2 with emoji as surrogate pairs', () => {
      const text = 'Grüße 😀👍🏽 from 東京 🇫🇷';
      const parts = submitRoundTrip(text);
      assert.equal(parts.length, 1);
      assert.equal(parts[0].decoded.dataCoding, 8);
      assert.equal(parts[0].decoded.text, text);
    });

    it('splits emoji across UCS-2 segments and reassembles them', () => {
      const text = '😀'.repeat(40); // 80 code units: two 67-unit segments
      const parts = submitRoundTrip(text, { reference: 0x1234, reference16: true });
      assert.equal(parts.length, 2);
      assert.equal(parts.map((part) => part.decoded.text).join(''), text);
      assert.deepEqual(parts[1].decoded.header?.concat, { reference: 0x1234, total: 2, sequence: 2, ref16: true });
    });

    it('carries 8-bit data byte for byte', () => {
      const payload = Buffer.from([0x00, 0x7f, 0x80, 0xff, 0x1b, 0x0d]);
      const pdu = encodeSubmitPdu({ destination: TO, statusReportRequest: false, dataCoding: 4, segment: { udh: Buffer.alloc(0), payload } });
      const decoded = decodeSubmitPdu(pdu.hex, pdu.tpduLength);
      assert.equal(decoded.dataCoding, 4);
      assert.deepEqual(Buffer.from(decoded.text, 'latin1'), payload);
    });

    for (const [name, reference16, udhOctets, fill] of [
      ['8-bit', false, 6, 1],
      ['16-bit', true, 7, 0],
    ] as const) {
      it(`concatenates GSM7 with the ${name} reference IE: ${fill} fill bit(s) after a ${udhOctets}-octet UDH`, () => {
        const text = 'The quick brown fox jumps over the lazy dog. '.repeat(8);
        const parts = submitRoundTrip(text, { reference: 200, reference16 });
        assert.equal(parts.length, 3);
        assert.equal(parts.map((part) => part.decoded.text).join(''), text);
        for (const [index, { pdu, decoded, segment }] of parts.entries()) {
          assert.deepEqual(decoded.header?.concat, { reference: 200, total: 3, sequence: index + 1, ref16: reference16 });
          const octets = Buffer.from(pdu.hex, 'hex');
          // TP-UDL counts the UDH septets (fill bits included) and the text septets.
          const udl = Math.ceil((udhOctets * 8) / 7) + segment.payload.length;
          const udlOffset = octets.length - Math.ceil((udl * 7) / 8) - 1;
          assert.equal(octets[udlOffset], udl);
          assert.equal(octets[udlOffset + 1], udhOctets - 1, 'the UDHL follows TP-UDL');
          assert.equal(octets[1 + octets[0]] & 0x40, 0x40, 'TP-UDHI');
          // The first text septet starts right after the (zero) fill bits.
          const firstText = octets[udlOffset + 1 + udhOctets];
          assert.equal(firstText & ((1 << fill) - 1), 0);
          assert.equal((firstText >> fill) & 0x7f, segment.payload[0]);
        }
      });
    }

    it('sets TP-RD, TP-PID and TP-VPF as asked', () => {
      const message = encodeMessage('x');
      const pdu = encodeSubmitPdu({
        destination: { type: 'national', value: '07700900123' },
        statusReportRequest: false,
        rejectDuplicates: true,
        protocolId: 0x41,
        validitySeconds: 3 * HOUR,
        dataCoding: 0,
        segment: message.segments[0],
      });
      assert.ok(pdu.hex.startsWith('00'), 'no SMSC: the length octet 00');
      const decoded = decodeSubmitPdu(pdu.hex);
      assert.equal(decoded.smsc, null);
      assert.equal(decoded.rejectDuplicates, true);
      assert.equal(decoded.protocolId, 0x41);
      assert.equal(decoded.validitySeconds, 3 * HOUR);
      assert.deepEqual(decoded.destination, { type: 'national', value: '07700900123' });
    });

    it('pads an odd digit count with F and reads it back', () => {
      for (const value of ['+4477009001234', '+447700900123', '+1', '+12345678901234567890']) {
        const pdu = encodeSubmitPdu({ destination: { type: 'international', value }, statusReportRequest: false, dataCoding: 0, segment: encodeMessage('a').segments[0] });
        assert.deepEqual(decodeSubmitPdu(pdu.hex).destination, { type: 'international', value });
        // After '00' (no SMSC), TP-MTI and TP-MR: the length in digits, 91, the swapped digits.
        const digits = value.length - 1;
        const field = pdu.hex.slice(6, 6 + 4 + 2 * Math.ceil(digits / 2));
        assert.equal(parseInt(field.slice(0, 2), 16), digits);
        assert.equal(field.slice(4).includes('F'), digits % 2 === 1);
        if (digits % 2 === 1) assert.equal(field[field.length - 2], 'F', 'F fills the high semi-octet of the last octet');
      }
    });

    it('carries * # a b c in numbers of the other types', () => {
      for (const address of [
        { type: 'unknown', value: '*100#' },
        { type: 'network-specific', value: '12abc' },
        { type: 'subscriber', value: '5551234' },
        { type: 'abbreviated', value: '112' },
      ] as PduAddress[]) {
        const pdu = encodeSubmitPdu({ destination: address, statusReportRequest: false, dataCoding: 0, segment: encodeMessage('a').segments[0] });
        assert.deepEqual(decodeSubmitPdu(pdu.hex).destination, address);
      }
    });
  });

  describe('SMS-DELIVER', () => {
    it('carries an alphanumeric originator (with an extension character) and GSM7 text', () => {
      for (const value of ['Bank', 'MyShop', 'ACME-Alerts', 'Info€']) {
        const [decoded] = deliverRoundTrip('Your code is 123456', { type: 'alphanumeric', value });
        assert.deepEqual(decoded.originator, { type: 'alphanumeric', value });
        assert.equal(decoded.text, 'Your code is 123456');
      }
    });

    it('carries national and international originators', () => {
      for (const originator of [
        { type: 'national', value: '07700900123' },
        { type: 'international', value: '+33612345678' },
        { type: 'unknown', value: '2781188' },
      ] as PduAddress[]) {
        assert.deepEqual(deliverRoundTrip('hi', originator)[0].originator, originator);
      }
    });

    it('carries the TP-SCTS with positive and negative time zones', () => {
      const time = Date.UTC(2024, 1, 29, 23, 59, 58); // a leap day, just before midnight UTC
      for (const zone of [0, 15, 60, 330, 345, 480, 525, 840, -15, -60, -210, -300, -600, -720]) {
        const pdu = encodeDeliverPdu({
          originator: TO,
          serviceCentreTime: time,
          timeZoneOffsetMinutes: zone,
          dataCoding: 0,
          segment: encodeMessage('t').segments[0],
          moreMessagesToSend: true,
          statusReportIndication: true,
        });
        const decoded = decodeMobileTerminatedPdu(pdu.hex) as DeliverPdu;
        assert.equal(decoded.serviceCentreTime, time, `zone ${zone}`);
        assert.equal(decoded.timeZoneOffsetMinutes, zone);
        assert.equal(decoded.moreMessagesToSend, true);
        assert.equal(decoded.statusReportIndication, true);
      }
    });

    it('writes the local time and the zone as TS 23.040 lays them out', () => {
      // 2024-02-29 23:59:58 UTC at -05:00 is 18:59:58 local, -20 quarters: 02 tens with the sign bit, 0 units.
      const pdu = encodeDeliverPdu({
        originator: TO,
        serviceCentreTime: Date.UTC(2024, 1, 29, 23, 59, 58),
        timeZoneOffsetMinutes: -300,
        dataCoding: 0,
        segment: encodeMessage('t').segments[0],
      });
      assert.ok(pdu.hex.includes('4220928195850A'), pdu.hex);
    });

    it('carries concatenated UCS-2 parts with their headers', () => {
      const text = 'Привет, мир! '.repeat(10);
      const parts = deliverRoundTrip(text, { type: 'alphanumeric', value: 'Service' }, { reference: 7 });
      assert.equal(parts.length, 2);
      assert.equal(parts.map((part) => part.text).join(''), text);
      assert.deepEqual(parts.map((part) => part.header?.concat?.sequence), [1, 2]);
    });
  });

  describe('SMS-STATUS-REPORT', () => {
    it('carries the reference, the recipient, both times and the status', () => {
      const report = {
        smsc: '+447700900000',
        messageReference: 255,
        recipient: TO,
        serviceCentreTime: Date.UTC(2025, 11, 31, 23, 0, 0),
        dischargeTime: Date.UTC(2026, 0, 1, 0, 0, 5),
        timeZoneOffsetMinutes: 60,
        status: 0x46,
      };
      const pdu = encodeStatusReportPdu(report);
      const decoded = decodeMobileTerminatedPdu(pdu.hex, pdu.tpduLength) as StatusReportPdu;
      const expected: StatusReportPdu = {
        type: 'status-report',
        smsc: report.smsc,
        messageReference: 255,
        recipient: TO,
        serviceCentreTime: report.serviceCentreTime,
        dischargeTime: report.dischargeTime,
        status: 0x46,
      };
      assert.deepEqual(decoded, expected);
    });
  });

  describe('relative validity (TS 23.040 §9.2.3.12.1), rounded up', () => {
    const boundaries: [number, number][] = [
      [0, 0],
      [1, 0],
      [5 * MINUTE, 0],
      [5 * MINUTE + 1, 1],
      [12 * HOUR - 1, 143],
      [12 * HOUR, 143],
      [12 * HOUR + 1, 144],
      [12 * HOUR + 30 * MINUTE, 144],
      [24 * HOUR - 1, 167],
      [24 * HOUR, 167],
      [24 * HOUR + 1, 168], // 2 days: there is no 25 hours
      [2 * DAY, 168],
      [30 * DAY - 1, 196],
      [30 * DAY, 196],
      [30 * DAY + 1, 197], // 5 weeks: there is no 31 days
      [5 * WEEK, 197],
      [63 * WEEK - 1, 255],
      [63 * WEEK, 255],
      [63 * WEEK + 1, 255], // capped
      [10 * 365 * DAY, 255],
    ];
    for (const [seconds, octet] of boundaries) {
      it(`${seconds} s -> TP-VP ${octet} (${relativeValiditySeconds(octet)} s)`, () => {
        assert.equal(relativeValidityPeriod(seconds), octet);
        if (seconds <= 63 * WEEK) assert.ok(relativeValiditySeconds(octet) >= seconds, 'never shorter than asked');
        if (octet > 0 && seconds <= 63 * WEEK) assert.ok(relativeValiditySeconds(octet - 1) < seconds, 'the smallest that is not shorter');
      });
    }

    it('decodes every TP-VP octet to the duration the encoder maps back to it', () => {
      for (let octet = 0; octet <= 255; octet++) assert.equal(relativeValidityPeriod(relativeValiditySeconds(octet)), octet);
    });

    it('goes into the SMS-SUBMIT and comes back as the rounded duration', () => {
      const pdu = encodeSubmitPdu({ destination: TO, statusReportRequest: false, validitySeconds: 7 * MINUTE, dataCoding: 0, segment: encodeMessage('v').segments[0] });
      assert.equal(decodeSubmitPdu(pdu.hex).validitySeconds, 10 * MINUTE);
    });

    it('refuses a negative or non-numeric validity', () => {
      assertSmsGateError(() => relativeValidityPeriod(-1), 'OPTION_INVALID', /validitySeconds/);
      assertSmsGateError(() => relativeValidityPeriod(Number.NaN), 'OPTION_INVALID', /validitySeconds/);
    });
  });
});
