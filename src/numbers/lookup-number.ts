import type { NumberInfo } from '../types';
import { PrefixCarrierLookup, type CarrierLookup } from './carrier-lookup';
import { parseNumber, type ParseNumberOptions } from './parse-number';

export interface LookupNumberOptions extends ParseNumberOptions {
  /** Where the network comes from; Google's prefix tables unless the caller has a better source. */
  carrierLookup?: CarrierLookup;
}

/** Shared because it holds nothing per caller; the prefix tables are read per lookup anyway. */
const prefixCarrierLookup = new PrefixCarrierLookup();

/**
 * parseNumber plus the recipient's network. Rejects with parseNumber's SmsGateError for a bad
 * number, and with the lookup's error if the lookup rejects (ChainedCarrierLookup never does).
 */
export async function lookupNumber(input: string, options: LookupNumberOptions = {}): Promise<NumberInfo> {
  const parsed = parseNumber(input, options);
  const { e164, country, type } = parsed;
  const carrier = await (options.carrierLookup ?? prefixCarrierLookup).lookup({ e164, country, type });
  return { ...parsed, carrier };
}
