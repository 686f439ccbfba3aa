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
