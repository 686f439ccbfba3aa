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
export { type Urc } from './urc';
