import { encodeMessage, type EncodingChoice, type NationalLanguage } from '../../encoding';
import { SmsGateError } from '../../errors';
import { createOutput, EXIT, parseCommandArgs, type ExitCode } from '../io';

export const ENCODE_USAGE =
  'smsgate encode <text> [--encoding auto|gsm7|ucs2] [--smart] [--languages turkish,spanish,...] [--json]';

const CHOICES: readonly EncodingChoice[] = ['auto', 'gsm7', 'ucs2'];

export async function encodeCommand(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('encode', argv, {
    encoding: { type: 'string', default: 'auto' },
    smart: { type: 'boolean' },
    languages: { type: 'string' },
    json: { type: 'boolean' },
  });
  const out = createOutput(values.json === true);
  if (positionals.length !== 1) throw new SmsGateError('USAGE', `usage: ${ENCODE_USAGE}`, { field: 'text' });
  const encoding = values.encoding as EncodingChoice;
  if (!CHOICES.includes(encoding)) {
    throw new SmsGateError('USAGE', `--encoding must be one of ${CHOICES.join(', ')}, got "${encoding}"`, {
      field: '--encoding',
    });
  }
  const languages = typeof values.languages === 'string' ? (values.languages.split(',') as NationalLanguage[]) : [];
  const encoded = encodeMessage(positionals[0]!, {
    encoding,
    smart: values.smart === true,
    nationalLanguages: languages,
  });
  const document = {
    encoding: encoded.encoding,
    units: encoded.units,
    segments: encoded.segments.length,
    unitsPerSegment: encoded.unitsPerSegment,
    parts: encoded.parts,
    ...(encoded.language ? { language: encoded.language } : {}),
  };
  const human = [
    `${encoded.encoding}, ${encoded.units} units, ${encoded.segments.length} segment(s) of up to ${encoded.unitsPerSegment}`,
    ...encoded.parts.map((part, i) => `  [${i + 1}] ${part}`),
  ].join('\n');
  out.result(document, human);
  return EXIT.ok;
}
