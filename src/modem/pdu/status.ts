/**
 * What a TP-ST (TS 23.040 §9.2.3.15) means for the message it reports on.
 *
 * TS 23.040 groups the values by bits 6-5, and the group decides whether the report is final:
 *   0x00-0x1F  transaction completed
 *   0x20-0x3F  temporary error, the SC is still trying       -> not final: another report follows
 *   0x40-0x5F  permanent error, the SC makes no more attempts
 *   0x60-0x7F  temporary error, the SC makes no more attempts -> final: nobody retries it now
 *   0x80-0xFF  reserved
 *
 * The final ones map onto the contract's states by what the spec's wording says happened:
 *   0x00 received by the SME                        DELIVERED
 *   0x01 forwarded, the SC cannot confirm delivery  UNKNOWN: it may or may not have arrived, and
 *        no later report will tell; calling it DELIVERED would claim what the SC says it cannot
 *   0x02 replaced by the SC                         DELETED: a later message with the same
 *        replace type took its place in the SC, so this one is gone undelivered
 *   0x46 validity period expired                    EXPIRED
 *   0x47 deleted by the originating SME, 0x48 deleted by SC administration   DELETED
 *   0x49 does not exist                             UNKNOWN: the SC has no record of it
 *   0x42 connection rejected by the SME, 0x63 service rejected   REJECTED: refused, by the
 *        recipient or the service, rather than failed
 *   other errors (remote procedure error, incompatible destination, not obtainable, no
 *   interworking, quality of service, congestion, SME busy, no response, error in SME, and the
 *   reserved / SC-specific values of the error groups)   UNDELIVERED
 *   reserved / SC-specific values of the completed group, and 0x80-0xFF   UNKNOWN: the spec gives
 *        them no meaning, and a guess either way would be a lie in the message's history
 * FAILED is not used: it is smsgate's own verdict on a send that failed before any report.
 */
import { checkInteger, hexByte } from '../../encoding/encoding-errors';
import type { MessageState } from '../../types';

type FinalOutcome = { final: true; state: MessageState; description: string };
/** `description` says what the SC is still fighting (congestion, SME busy, ...), for the log. */
type PendingOutcome = { final: false; description: string };

/** Descriptions as TS 23.040 words them, and the state of the final ones. */
const STATUSES: Readonly<Record<number, { description: string; state?: MessageState }>> = {
  0x00: { description: 'short message received by the SME', state: 'DELIVERED' },
  0x01: {
    description: 'short message forwarded by the SC to the SME but the SC is unable to confirm delivery',
    state: 'UNKNOWN',
  },
  0x02: { description: 'short message replaced by the SC', state: 'DELETED' },
  0x20: { description: 'congestion' },
  0x21: { description: 'SME busy' },
  0x22: { description: 'no response from SME' },
  0x23: { description: 'service rejected' },
  0x24: { description: 'quality of service not available' },
  0x25: { description: 'error in SME' },
  0x40: { description: 'remote procedure error', state: 'UNDELIVERED' },
  0x41: { description: 'incompatible destination', state: 'UNDELIVERED' },
  0x42: { description: 'connection rejected by SME', state: 'REJECTED' },
  0x43: { description: 'not obtainable', state: 'UNDELIVERED' },
  0x44: { description: 'quality of service not available', state: 'UNDELIVERED' },
  0x45: { description: 'no interworking available', state: 'UNDELIVERED' },
  0x46: { description: 'SM validity period expired', state: 'EXPIRED' },
  0x47: { description: 'SM deleted by originating SME', state: 'DELETED' },
  0x48: { description: 'SM deleted by SC administration', state: 'DELETED' },
  0x49: { description: 'SM does not exist', state: 'UNKNOWN' },
  0x60: { description: 'congestion', state: 'UNDELIVERED' },
  0x61: { description: 'SME busy', state: 'UNDELIVERED' },
  0x62: { description: 'no response from SME', state: 'UNDELIVERED' },
  0x63: { description: 'service rejected', state: 'REJECTED' },
  0x64: { description: 'quality of service not available', state: 'UNDELIVERED' },
  0x65: { description: 'error in SME', state: 'UNDELIVERED' },
};

/**
 * What a TP-ST means (TS 23.040 §9.2.3.15): `final` false while the SC is still trying
 * (0x20-0x3F); final states mapped onto the contract's states as the module comment explains.
 */
export function statusReportOutcome(status: number): PendingOutcome | FinalOutcome {
  checkInteger('status', status, 0, 0xff);
  const hex = hexByte(status);
  const group = status >> 5;
  const known = STATUSES[status];
  if (group === 0b01) {
    const what = known?.description ?? specific(status, 0x30);
    return { final: false, description: `temporary error, the SC is still trying: ${what} (TP-ST ${hex})` };
  }
  if (known?.state !== undefined) return final(known.state, `${known.description} (TP-ST ${hex})`);
  switch (group) {
    case 0b00:
      return final('UNKNOWN', `transaction completed, ${specific(status, 0x10)} (TP-ST ${hex})`);
    case 0b10:
      return final('UNDELIVERED', `permanent error, ${specific(status, 0x50)} (TP-ST ${hex})`);
    case 0b11:
      return final(
        'UNDELIVERED',
        `temporary error, the SC makes no more attempts, ${specific(status, 0x70)} (TP-ST ${hex})`,
      );
    default:
      return final('UNKNOWN', `reserved value (TP-ST ${hex})`);
  }
}

function final(state: MessageState, description: string): FinalOutcome {
  return { final: true, state, description };
}

/** Each group ends with 16 values "specific to each SC"; the values before them are reserved. */
function specific(status: number, firstSpecific: number): string {
  return status >= firstSpecific ? 'a value specific to the SC' : 'a reserved value';
}
