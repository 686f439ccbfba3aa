import type { MessageState } from '../types';

/**
 * The `stat` words of an SMPP delivery receipt (SMPP 3.4 Appendix B) and the message states
 * they mean. ACCEPTD and ENROUTE are not final: the SMSC still holds the message.
 */
export const RECEIPT_STATUS = {
  DELIVRD: 'DELIVERED',
  UNDELIV: 'UNDELIVERED',
  EXPIRED: 'EXPIRED',
  REJECTD: 'REJECTED',
  DELETED: 'DELETED',
  UNKNOWN: 'UNKNOWN',
  ACCEPTD: 'SUBMITTED',
  ENROUTE: 'SUBMITTED',
} as const satisfies Record<string, MessageState>;

export type ReceiptStatus = keyof typeof RECEIPT_STATUS;

/** The final receipt words a simulator or a test may ask for. */
export const FINAL_RECEIPT_STATUSES = ['DELIVRD', 'UNDELIV', 'EXPIRED', 'REJECTD'] as const;
export type FinalReceiptStatus = (typeof FINAL_RECEIPT_STATUSES)[number];
