import { isSmsGateError } from '../../errors';
import { lookupNumber } from '../../numbers';
import { createOutput, EXIT, parseCommandArgs, type ExitCode } from '../io';
import { SmsGateError } from '../../errors';

export const LOOKUP_USAGE = 'smsgate lookup <number> [--region CC] [--json]';

export async function lookupCommand(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('lookup', argv, {
    region: { type: 'string' },
    json: { type: 'boolean' },
  });
  const out = createOutput(values.json === true);
  if (positionals.length !== 1) {
    throw new SmsGateError('USAGE', `usage: ${LOOKUP_USAGE}`, { field: 'number' });
  }
  const input = positionals[0]!;
  try {
    const info = await lookupNumber(input, { region: values.region as string | undefined, field: 'number' });
    out.result(
      { input, valid: true, e164: info.e164, country: info.country, type: info.type, carrier: info.carrier },
      `${info.e164}  country ${info.country ?? '-'}  type ${info.type ?? '-'}  carrier ${info.carrier ?? '-'}`,
    );
    return EXIT.ok;
  } catch (err) {
    if (!isSmsGateError(err) || err.kind !== 'input') throw err;
    out.result({ input, valid: false, error: { code: err.code, message: err.message } }, `invalid: ${err.message}`);
    return EXIT.badInput;
  }
}
