/** Recipient verification (parse, validate, normalise, carrier) and sender validation. */
export { parseNumber, type ParseNumberOptions, type ParsedNumber } from './parse-number';
export { lookupNumber, type LookupNumberOptions } from './lookup-number';
export {
  ChainedCarrierLookup,
  PrefixCarrierLookup,
  type CarrierLookup,
  type CarrierQuery,
  type ChainedCarrierLookupOptions,
} from './carrier-lookup';
export { CachedCarrierLookup, type CachedCarrierLookupOptions } from './cached-carrier-lookup';
export { parseSender, type ParseSenderOptions } from './sender';
export { callingCodeOf } from './calling-code';
