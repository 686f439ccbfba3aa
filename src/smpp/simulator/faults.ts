/**
 * The ways the simulator can misbehave on purpose, so a transport's error handling can be tested
 * against each of them. All can be changed while it runs (SmscSimulator.setFaults).
 */
import { randomBytes } from 'node:crypto';
import { encodePdu } from './pdu';
import { COMMAND, HEADER_LENGTH } from './protocol';

export type BlankMessageId = 'empty' | 'no-body';
export const BLANK_MESSAGE_IDS: readonly BlankMessageId[] = ['empty', 'no-body'];

export type MalformedKind = 'bad-length' | 'truncated' | 'oversized' | 'unknown-command' | 'garbage';

export const MALFORMED_KINDS: readonly MalformedKind[] = [
  'bad-length',
  'truncated',
  'oversized',
  'unknown-command',
  'garbage',
];

export interface Faults {
  /**
   * The Nth submit_sm received from the moment this is set (on any session) makes the simulator
   * destroy that connection at once: the Nth and any submit still waiting for its response go
   * unanswered (the Nth is still recorded, with commandStatus null). Fires once, then resets to
   * null, so a reconnecting client can finish.
   */
  dropAfterSubmits: number | null;
  /** Delay before each submit_sm_resp. The receipt delay counts from when the response is sent. */
  delayResponsesMs: number;
  /** Answer no submit_sm at all (they are recorded with commandStatus null, no receipt follows). */
  withholdResponses: boolean;
  /**
   * Fall silent: answer binds, and nothing else (no submit_sm_resp, enquire_link_resp, receipts
   * or MO messages), the TCP connection left open, as an SMSC does whose session hung. Submits
   * are recorded with commandStatus null; held receipts go out once it is cleared.
   */
  silent: boolean;
  /**
   * Accept each submit_sm (status 0) without a usable message id: `empty` sends message_id as a
   * lone NUL, `no-body` a header without any body. No receipt follows.
   */
  blankMessageIds: BlankMessageId | null;
  /** Answer every bind with this command_status (e.g. 0x0D ESME_RBINDFAIL). */
  rejectBinds: number | null;
  /** Answer the next submit_sm with this malformed PDU instead of its response; fires once. */
  malformedPdu: MalformedKind | null;
  /** Send the delivery receipt immediately, before the submit_sm_resp. */
  receiptBeforeResp: boolean;
  /** Answer every submit_sm with this command_status (e.g. 0x45 ESME_RSUBMITFAIL, 0x14 ESME_RMSGQFUL). */
  submitStatus: number | null;
  /**
   * A throttling storm: the next N submit_sm are answered ESME_RTHROTTLED whatever the rate, then
   * service resumes (the count goes down as they arrive).
   */
  throttleNext: number;
  /** One segment of concatenated messages misbehaves (see SegmentFault); null: none. */
  segment: SegmentFault | null;
  /**
   * The next N deliver_sm_resp are lost on the way: the simulator acts as if they never came,
   * and sends their deliver_sm again after `deliverRetryMs`, to whichever suitable session is
   * bound then (the ESME stored the receipt, its answer did not arrive). Counts down as they arrive.
   */
  loseDeliverResps: number;
  /**
   * Keep receipts and MO messages queued while sessions, binds and submits carry on, as an SMSC
   * whose delivery side lags; they go out once it is cleared.
   */
  holdDeliveries: boolean;
}

/**
 * The next `times` submit_sm that carry concatenation part `sequence` (1-based, by UDH or SAR):
 * refused with `status` when it is set; else accepted, their response held back `delayMs`
 * (beyond a client's timeout, say). Counts down as they arrive, then clears itself.
 */
export interface SegmentFault {
  sequence: number;
  times: number;
  status?: number;
  delayMs?: number;
}

export const NO_FAULTS: Readonly<Faults> = {
  dropAfterSubmits: null,
  delayResponsesMs: 0,
  withholdResponses: false,
  silent: false,
  blankMessageIds: null,
  rejectBinds: null,
  malformedPdu: null,
  receiptBeforeResp: false,
  submitStatus: null,
  throttleNext: 0,
  segment: null,
  loseDeliverResps: 0,
  holdDeliveries: false,
};

/** The octets of one malformed PDU; `thenClose` when the simulator must close the connection after them. */
export interface MalformedPdu {
  bytes: Buffer;
  thenClose: boolean;
}

const GARBAGE_LENGTH = 64;
/** 100 MB: far above what any client should buffer. */
const OVERSIZED_LENGTH = 100 * 1024 * 1024;

export function malformedPdu(kind: MalformedKind, sequenceNumber: number): MalformedPdu {
  switch (kind) {
    case 'bad-length': {
      // A whole header, but command_length says 8: shorter than the header itself.
      const bytes = encodePdu(COMMAND.enquire_link, 0, sequenceNumber);
      bytes.writeUInt32BE(8, 0);
      return { bytes, thenClose: false };
    }
    case 'truncated': {
      // The header promises a 64-octet deliver_sm; the connection closes after 20 octets.
      const bytes = encodePdu(COMMAND.deliver_sm, 0, sequenceNumber, Buffer.alloc(48)).subarray(0, HEADER_LENGTH + 4);
      return { bytes, thenClose: true };
    }
    case 'oversized': {
      const bytes = encodePdu(COMMAND.deliver_sm, 0, sequenceNumber, Buffer.alloc(16));
      bytes.writeUInt32BE(OVERSIZED_LENGTH, 0);
      return { bytes, thenClose: false };
    }
    case 'unknown-command':
      return { bytes: encodePdu(0x000000ff, 0, sequenceNumber), thenClose: false };
    case 'garbage':
      return { bytes: randomBytes(GARBAGE_LENGTH), thenClose: false };
  }
}
