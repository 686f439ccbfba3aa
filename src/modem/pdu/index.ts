/** The 3GPP TS 23.040 PDU codec of the modem transport: SMS-SUBMIT out, SMS-DELIVER and SMS-STATUS-REPORT in. */
export type { AddressType, PduAddress } from './address';
export type { SubmitPdu } from './octets';
export { decodeSubmitPdu, encodeSubmitPdu } from './submit';
export type { DecodedSubmit, SubmitPduInput } from './submit';
export { encodeDeliverPdu } from './deliver';
export type { DeliverPdu, DeliverPduInput } from './deliver';
export { encodeStatusReportPdu } from './status-report';
export type { StatusReportPdu, StatusReportPduInput } from './status-report';
export { decodeMobileTerminatedPdu } from './mobile-terminated';
export { statusReportOutcome } from './status';
export { relativeValidityPeriod, relativeValiditySeconds } from './validity';
