export { AtEngine, type AtEngineOptions, type AtPort, type CommandOptions } from './engine';
export {
  AtError,
  CME_ERRORS,
  CMS_ERRORS,
  cmsError,
  describeError,
  isRetryableCmsError,
  type AtErrorKind,
  type CmsErrorInfo,
} from './errors';
export { MAX_LINE_LENGTH } from './framing';
export {
  CPIN_STATES,
  parseCmgl,
  parseCmgr,
  parseCmgs,
  parseCpin,
  parseCreg,
  parseCsq,
  registrationStatus,
  type CpinState,
  type InvalidListEntry,
  type Registration,
  type RegistrationStatus,
  type SignalQuality,
  type StoredMessage,
  type StoredPdu,
  type StoredText,
} from './health';
export { type Urc } from './urc';
