/** Decoding what a modem hands over from the SC: an SMS-DELIVER or an SMS-STATUS-REPORT, told apart by TP-MTI. */
import { hexByte } from '../../encoding/encoding-errors';
import { readSmscAddress } from './address';
import { DeliverPdu, MTI_DELIVER, readDeliver } from './deliver';
import { checkTpduLength, parseHex, pduError, PduReader } from './octets';
import { MTI_STATUS_REPORT, readStatusReport, StatusReportPdu } from './status-report';

/** TS 23.040 §9.2.3.1, SC -> MS. */
const MTI_NAMES = ['SMS-DELIVER', 'SMS-SUBMIT-REPORT', 'SMS-STATUS-REPORT', 'reserved'];

/** Decodes an SC->MS PDU (SMSC address field included). `tpduLength` when the modem gave one. */
export function decodeMobileTerminatedPdu(hex: string, tpduLength?: number): DeliverPdu | StatusReportPdu {
  const reader = new PduReader(parseHex(hex));
  const smsc = readSmscAddress(reader);
  checkTpduLength(tpduLength, reader.remaining, reader.offset);
  const offset = reader.offset;
  const firstOctet = reader.octet('first octet');
  const mti = firstOctet & 0b11;
  if (mti === MTI_DELIVER) return readDeliver(reader, smsc, firstOctet);
  if (mti === MTI_STATUS_REPORT) return readStatusReport(reader, smsc);
  const found = `TP-MTI ${mti.toString(2).padStart(2, '0')} (${MTI_NAMES[mti]})`;
  const message = `first octet ${hexByte(firstOctet)} has ${found}, not an SMS-DELIVER (00) or SMS-STATUS-REPORT (10)`;
  throw pduError('TP-MTI', offset, message);
}
