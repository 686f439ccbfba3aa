/**
 * submit_sm (SMPP 3.4 §4.4.1) field objects for the `smpp` package, from a message the encoder
 * has already cut into segments. short_message and message_payload are always Buffers: the
 * package passes a Buffer through untouched (and leaves esm_class and data_coding as given), where
 * a string would go through its own charset and UDH handling.
 *
 * Long messages go one of three ways, as the SMSC wants them:
 * - `udh`: one PDU per segment, the segment's UDH in short_message and esm_class UDHI (0x40);
 * - `sar`: one PDU per segment, no UDH, the concatenation in the sar_* TLVs (§5.3.2.22-24);
 * - `payload`: one PDU, the whole text in message_payload (§5.3.2.32), short_message empty.
 *   Segments are cut at whole characters, so their payloads concatenated are the whole text.
 * National shift tables can only be announced in a UDH: a message that uses them goes the `udh`
 * way whatever the option says (its UDH carries the concatenation and the tables together).
 *
 * Segments keep the encoder's size in every method (153 GSM septets, 67 UCS-2 characters per part
 * with concatenation): with `sar` the SMSC builds the same UDH the encoder left room for.
 */
import { encodeMessage, parseUdh, type EncodedMessage } from '../../encoding';
import { SmsGateError } from '../../errors';
import type { OutboundMessage } from '../../transport/types';
import { destinationAddress } from './address';
import { ESM_UDHI } from './deliver-sm';
import { formatSmppTime } from './time';

export type LongMessageMethod = 'udh' | 'sar' | 'payload';

/** data_coding values (§5.2.19) smsgate sends. */
export const DATA_CODING = { GSM7: 0x00, LATIN1: 0x03, UCS2: 0x08 } as const;

export interface SubmitOptions {
  longMessages: LongMessageMethod;
  /**
   * `default`: GSM7 as data_coding 0 (unpacked septets), else UCS-2 (8). `latin1`: for SMSCs that
   * read data_coding 0 as something else and want Latin-1 (3) instead; see contentOf.
   */
  dataCoding: 'default' | 'latin1';
  /** service_type (§5.2.11), at most 5 characters; default empty (the SMSC's default service). */
  serviceType?: string;
  /** schedule_delivery_time; default none (deliver at once). */
  scheduleDelivery?: Date;
}

/**
 * The submit_sm fields under the names the `smpp` package expects. TLVs are present only when used:
 * the package would try to write a TLV key that is present but undefined. A type, not an
 * interface, so that it fits the package's `Record<string, unknown>` options.
 */
export type SubmitSmFields = {
  service_type: string;
  source_addr_ton: number;
  source_addr_npi: number;
  source_addr: string;
  dest_addr_ton: number;
  dest_addr_npi: number;
  destination_addr: string;
  esm_class: number;
  protocol_id: number;
  priority_flag: number;
  schedule_delivery_time: string;
  validity_period: string;
  registered_delivery: number;
  replace_if_present_flag: number;
  data_coding: number;
  sm_default_msg_id: number;
  short_message: Buffer;
  sar_msg_ref_num?: number;
  sar_total_segments?: number;
  sar_segment_seqnum?: number;
  message_payload?: Buffer;
};

/** What goes on the wire: the segments' UDHs and payloads in the data coding chosen. */
interface Content {
  dataCoding: number;
  segments: { udh: Buffer; payload: Buffer }[];
  reference?: number;
  nationalTables: boolean;
}

const MAX_SERVICE_TYPE = 5; // a C-Octet String of 6 octets, NUL included

/**
 * One submit_sm per segment (`udh`, `sar`), or one in all (`payload`). Throws OPTION_INVALID
 * for a service type or time the PDU cannot carry.
 */
export function buildSubmitPdus(message: OutboundMessage, options: SubmitOptions): SubmitSmFields[] {
  const content = contentOf(message.encoded, options.dataCoding);
  const base = baseFields(message, options, content.dataCoding);
  const method = content.nationalTables ? 'udh' : options.longMessages;
  const { segments } = content;
  switch (method) {
    case 'udh':
      return segments.map(({ udh, payload }) => ({
        ...base,
        esm_class: udh.length > 0 ? ESM_UDHI : 0,
        short_message: Buffer.concat([udh, payload]),
      }));
    case 'sar':
      return segments.map(({ payload }, index) => {
        const fields: SubmitSmFields = { ...base, short_message: payload };
        if (segments.length > 1) {
          // The encoder sets a reference on every message of more than one segment.
          fields.sar_msg_ref_num = content.reference!;
          fields.sar_total_segments = segments.length;
          fields.sar_segment_seqnum = index + 1;
        }
        return fields;
      });
    case 'payload':
      return [{ ...base, short_message: Buffer.alloc(0), message_payload: Buffer.concat(segments.map((s) => s.payload)) }];
  }
}

/**
 * The encoded segments as they are sent. With `latin1`, a GSM7 message on the default tables whose
 * every character is in Latin-1 goes as Latin-1 in the same segments (a Latin-1 octet per
 * character never exceeds the septets the encoder counted, and such an SMSC converts back to GSM7
 * on the air). Any other message goes as UCS-2, re-encoded if it was GSM7, since that SMSC cannot
 * be trusted with data_coding 0: the cost is more segments (`€`, Greek capitals, national tables).
 */
function contentOf(encoded: EncodedMessage, preference: SubmitOptions['dataCoding']): Content {
  const asEncoded: Content = {
    dataCoding: encoded.dataCoding,
    segments: encoded.segments,
    reference: encoded.reference,
    nationalTables: encoded.language !== undefined,
  };
  if (preference === 'default' || encoded.encoding === 'UCS2') return asEncoded;
  if (encoded.language === undefined && isLatin1(encoded.text)) {
    const segments = encoded.segments.map(({ udh, text }) => ({ udh, payload: Buffer.from(text, 'latin1') }));
    return { ...asEncoded, dataCoding: DATA_CODING.LATIN1, segments };
  }
  const ucs2 = encodeMessage(encoded.text, {
    encoding: 'ucs2',
    maxSegments: 255,
    reference: encoded.reference,
    reference16: encoded.segments[0].udh.length > 0 && parseUdh(encoded.segments[0].udh).header.concat?.ref16 === true,
  });
  return { dataCoding: ucs2.dataCoding, segments: ucs2.segments, reference: ucs2.reference, nationalTables: false };
}

function isLatin1(text: string): boolean {
  return /^[\u0000-\u00ff]*$/.test(text);
}

function baseFields(message: OutboundMessage, options: SubmitOptions, dataCoding: number): SubmitSmFields {
  const serviceType = options.serviceType ?? '';
  if (serviceType.length > MAX_SERVICE_TYPE || !/^[\x20-\x7e]*$/.test(serviceType)) {
    throw new SmsGateError(
      'OPTION_INVALID',
      `serviceType must be at most ${MAX_SERVICE_TYPE} printable ASCII characters, got ${JSON.stringify(serviceType)}`,
      { field: 'serviceType' },
    );
  }
  const destination = destinationAddress(message.recipient.e164);
  return {
    service_type: serviceType,
    // No sender: TON/NPI 0 and an empty address let the SMSC put in the account's default.
    source_addr_ton: message.sender?.ton ?? 0,
    source_addr_npi: message.sender?.npi ?? 0,
    source_addr: message.sender?.address ?? '',
    dest_addr_ton: destination.ton,
    dest_addr_npi: destination.npi,
    destination_addr: destination.addr,
    esm_class: 0,
    protocol_id: 0,
    priority_flag: message.priority,
    schedule_delivery_time:
      options.scheduleDelivery === undefined ? '' : formatSmppTime(options.scheduleDelivery, 'scheduleDelivery'),
    validity_period: formatSmppTime(new Date(message.validUntil), 'validUntil'),
    // 1: a receipt on the final outcome, delivered or not (§5.2.17).
    registered_delivery: message.deliveryReport ? 1 : 0,
    replace_if_present_flag: 0,
    data_coding: dataCoding,
    sm_default_msg_id: 0,
    short_message: Buffer.alloc(0),
  };
}
