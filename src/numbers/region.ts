import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { SmsGateError } from '../errors';
import { quote } from './quote';

/**
 * Checks a default region (config or per message) before any number is read with it, so a typo
 * like `UK` or `XX` is reported as the region's fault even when the number happens to be
 * international and would not need it.
 *
 * Case is ignored (`gb` is GB); undefined and '' mean "no default region", which is how empty
 * form fields arrive from n8n and Node-RED.
 */
export function resolveRegion(region: string | undefined): CountryCode | undefined {
  if (region === undefined || region === '') return undefined;
  const code = region.toUpperCase();
  if (isSupportedCountry(code)) return code;
  throw new SmsGateError(
    'REGION_UNKNOWN',
    `Region ${quote(region)} is not a known ISO 3166-1 alpha-2 region code (such as GB or US)`,
    { field: 'region' },
  );
}
