/** The SMPP transport's pure protocol pieces: no sockets, no state beyond MessageIdMatcher's. */
export { destinationAddress, NPI_ISDN, receivedAddress, TON_INTERNATIONAL, type SmppAddress } from './address';
export { deliverSmFields, ESM_UDHI, type DeliverSmFields } from './deliver-sm';
export { moPartFromDeliverSm, type MoPart } from './inbound';
export {
  alternateMessageIds,
  MessageIdMatcher,
  messageIdCandidates,
  messageIdKeys,
  normaliseMessageId,
  type IdRelation,
  type MessageIdCandidate,
} from './message-id';
export {
  isReceipt,
  parseReceiptText,
  receiptFromDeliverSm,
  type Receipt,
  type ReceiptFields,
  type ReceiptPdu,
} from './receipt';
export {
  bindRefusal,
  classifyStatus,
  COMMAND_STATUS,
  describeStatus,
  formatStatus,
  smppError,
  statusMeaning,
  statusName,
  type StatusClass,
  type StatusName,
} from './status';
export {
  buildSubmitPdus,
  DATA_CODING,
  type LongMessageMethod,
  type SubmitOptions,
  type SubmitSmFields,
} from './submit';
export { formatSmppTime, type SmppTime } from './time';
