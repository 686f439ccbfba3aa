/**
 * The SMPP 3.4 numbers the simulator speaks: command ids (§5.1.2.1), the command_status values
 * it decides itself (§5.1.3; fault statuses come from the caller), optional parameter tags
 * (§5.3.2) and message states (§5.2.28).
 */

export const HEADER_LENGTH = 16;

/**
 * The largest command_length the simulator accepts from a client. The biggest legitimate PDU is a
 * submit_sm carrying a 64 KiB message_payload TLV plus its mandatory fields; anything beyond that
 * is a broken or hostile peer, and buffering it would let one client eat the simulator's memory.
 */
export const MAX_COMMAND_LENGTH = 70_000;

export const COMMAND = {
  generic_nack: 0x80000000,
  bind_receiver: 0x00000001,
  bind_receiver_resp: 0x80000001,
  bind_transmitter: 0x00000002,
  bind_transmitter_resp: 0x80000002,
  submit_sm: 0x00000004,
  submit_sm_resp: 0x80000004,
  deliver_sm: 0x00000005,
  deliver_sm_resp: 0x80000005,
  unbind: 0x00000006,
  unbind_resp: 0x80000006,
  bind_transceiver: 0x00000009,
  bind_transceiver_resp: 0x80000009,
  enquire_link: 0x00000015,
  enquire_link_resp: 0x80000015,
} as const;

/** Bit 31 of command_id marks a response. */
export const RESPONSE_BIT = 0x80000000;

export function isResponse(commandId: number): boolean {
  return (commandId & RESPONSE_BIT) !== 0;
}

export function responseIdOf(commandId: number): number {
  return (commandId | RESPONSE_BIT) >>> 0;
}

export const STATUS = {
  ESME_ROK: 0x00,
  ESME_RINVCMDLEN: 0x02,
  ESME_RINVCMDID: 0x03,
  ESME_RINVBNDSTS: 0x04,
  ESME_RALYBND: 0x05,
  ESME_RINVPASWD: 0x0e,
  ESME_RINVSYSID: 0x0f,
  ESME_RTHROTTLED: 0x58,
} as const;

export const TLV = {
  receipted_message_id: 0x001e,
  sar_msg_ref_num: 0x020c,
  sar_total_segments: 0x020e,
  sar_segment_seqnum: 0x020f,
  sc_interface_version: 0x0210,
  message_payload: 0x0424,
  message_state: 0x0427,
} as const;

/** message_state values carried in receipts. */
export const MESSAGE_STATE = {
  DELIVERED: 2,
  EXPIRED: 3,
  UNDELIVERABLE: 5,
  REJECTED: 8,
} as const;

export const ESM_CLASS = {
  /** Bits 2-5 = 0001: the deliver_sm is an SMSC delivery receipt. */
  DELIVERY_RECEIPT: 0x04,
  /** Bit 6: short_message starts with a User Data Header. */
  UDHI: 0x40,
} as const;

/** The version the simulator implements, announced in sc_interface_version. */
export const INTERFACE_VERSION = 0x34;

export type BindMode = 'transmitter' | 'receiver' | 'transceiver';

export const BIND_MODES: Readonly<Record<number, BindMode>> = {
  [COMMAND.bind_transmitter]: 'transmitter',
  [COMMAND.bind_receiver]: 'receiver',
  [COMMAND.bind_transceiver]: 'transceiver',
};
