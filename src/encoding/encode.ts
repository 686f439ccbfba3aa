/** encodeMessage: from a text and options to the segments to send. */
import { randomInt } from 'node:crypto';
import { SmsGateError } from '../errors';
import { checkInteger, describeCodePoint, invalidOption } from './encoding-errors';
import { gsm7Charset } from './gsm7-charset';
import { isNationalLanguage } from './languages';
import { hasLookAlike, replaceLookAlikes } from './look-alikes';
import { choosePlan, nationalCharsets, Plan, PlanRequest } from './plan';
import { Pieces, toPieces } from './segmenter';
import type { EncodedMessage, EncodeOptions, EncodingChoice, Segment } from './types';
import { buildUdh } from './udh';

export const DEFAULT_MAX_SEGMENTS = 10;
/** The concatenation IE counts parts in one octet. */
const MAX_PARTS = 255;
const DATA_CODING = { GSM7: 0x00, UCS2: 0x08 } as const;

interface Settings extends PlanRequest {
  smart: boolean;
  maxSegments: number;
  reference?: number;
}

export function encodeMessage(text: string, options: EncodeOptions = {}): EncodedMessage {
  const settings = readOptions(options);
  if (typeof text !== 'string') throw invalidOption('text', `text must be a string, got ${typeof text}`);
  if (text.length === 0) throw new SmsGateError('TEXT_EMPTY', 'the text is empty', { field: 'text' });

  const sent = settings.smart ? smartText(text, settings) : text;
  const pieces = toPieces(sent);
  const plan = choosePlan(pieces.codePoints, settings);
  if (plan === undefined) throw notEncodable(text, settings);
  if (plan.starts.length > settings.maxSegments) {
    throw new SmsGateError(
      'TEXT_TOO_MANY_SEGMENTS',
      `the text needs ${plan.starts.length} segments, more than the limit of ${settings.maxSegments} (maxSegments)`,
      { field: 'text' },
    );
  }
  return assemble(sent, pieces, plan, settings);
}

function readOptions(options: EncodeOptions): Settings {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'options must be an object');
  const encoding: EncodingChoice = options.encoding ?? 'auto';
  if (!['auto', 'gsm7', 'ucs2'].includes(encoding)) {
    throw invalidOption('encoding', `encoding must be 'auto', 'gsm7' or 'ucs2', got ${String(encoding)}`);
  }
  const nationalLanguages = options.nationalLanguages ?? [];
  if (!Array.isArray(nationalLanguages)) throw invalidOption('nationalLanguages', 'nationalLanguages must be an array');
  const unknown = nationalLanguages.find((language) => !isNationalLanguage(language));
  if (unknown !== undefined) {
    throw invalidOption('nationalLanguages', `${String(unknown)} is not a national language of TS 23.038`);
  }
  const ref16 = options.reference16 === true;
  const settings: Settings = {
    encoding,
    nationalLanguages,
    ref16,
    smart: options.smart === true,
    maxSegments: checkInteger('maxSegments', options.maxSegments ?? DEFAULT_MAX_SEGMENTS, 1, MAX_PARTS),
  };
  if (options.reference !== undefined) {
    settings.reference = checkInteger('reference', options.reference, 0, ref16 ? 0xffff : 0xff);
  }
  return settings;
}

/**
 * Look-alikes are replaced only when that lets the text go as GSM7: if it has to be UCS-2 anyway,
 * the replacement would change the text for nothing, so the original is sent.
 */
function smartText(text: string, settings: Settings): string {
  if (settings.encoding === 'ucs2') return text;
  const replaced = replaceLookAlikes(text);
  if (replaced === text || settings.encoding === 'gsm7') return replaced;
  const asGsm7 = choosePlan(toPieces(replaced).codePoints, { ...settings, encoding: 'gsm7' });
  return asGsm7 === undefined ? text : replaced;
}

/** TEXT_NOT_ENCODABLE naming the first character (of the caller's text) that no allowed GSM 7-bit table carries. */
function notEncodable(text: string, settings: Settings): SmsGateError {
  const charsets = [gsm7Charset(), ...nationalCharsets(settings.nationalLanguages)];
  const fixable = (character: string) => settings.smart && hasLookAlike(character);
  const offending = (carried: (codePoint: number) => boolean) => {
    for (const { codePoint, index, character } of characters(text)) {
      if (!carried(codePoint) && !fixable(character)) return { codePoint, index };
    }
    return undefined;
  };
  const nowhere = offending((codePoint) => charsets.some((charset) => charset.cost(codePoint) > 0));
  // Every character has a table, but no one combination of the allowed tables has them all.
  const notTogether = offending((codePoint) => charsets[0].cost(codePoint) > 0);
  const found = nowhere ?? notTogether;
  if (found === undefined) throw new Error('bug: no allowed table carries the text, yet every character is carried');
  const { codePoint, index } = found;
  const allowed = settings.nationalLanguages;
  const tables = allowed.length > 0 ? ` with the national language tables allowed (${allowed.join(', ')})` : '';
  const rest = nowhere ? '' : ' together with the rest of the text';
  return new SmsGateError(
    'TEXT_NOT_ENCODABLE',
    `character ${describeCodePoint(codePoint)} at index ${index} cannot be encoded in GSM 7-bit${tables}${rest}`,
    { field: 'text' },
  );
}

function* characters(text: string): Generator<{ codePoint: number; index: number; character: string }> {
  let index = 0;
  for (const character of text) {
    yield { codePoint: character.codePointAt(0) as number, index, character };
    index += character.length;
  }
}

function assemble(text: string, pieces: Pieces, plan: Plan, settings: Settings): EncodedMessage {
  const total = plan.starts.length;
  const reference = total > 1 ? (settings.reference ?? randomInt(settings.ref16 ? 0x10000 : 0x100)) : undefined;
  const language = plan.charset?.language ?? {};
  const segments = plan.starts.map((start, index): Segment => {
    const end = plan.starts[index + 1] ?? pieces.codePoints.length;
    const segmentText = text.slice(pieces.offsets[start], pieces.offsets[end]);
    const sequence = index + 1;
    const concat = reference === undefined ? undefined : { reference, total, sequence, ref16: settings.ref16 };
    return {
      text: segmentText,
      units: plan.sizes.slice(start, end).reduce((sum, size) => sum + size, 0),
      udh: buildUdh(concat, language),
      payload: payloadOf(plan, pieces.codePoints.slice(start, end), segmentText),
    };
  });
  const message: EncodedMessage = {
    text,
    encoding: plan.encoding,
    dataCoding: DATA_CODING[plan.encoding],
    units: plan.units,
    unitsPerSegment: plan.unitsPerSegment,
    segments,
    parts: segments.map((segment) => segment.text),
  };
  if (language.locking || language.single) message.language = { ...language };
  if (reference !== undefined) message.reference = reference;
  return message;
}

function payloadOf(plan: Plan, codePoints: number[], text: string): Buffer {
  if (plan.charset === undefined) return Buffer.from(text, 'utf16le').swap16();
  const septets: number[] = [];
  for (const codePoint of codePoints) plan.charset.write(codePoint, septets);
  return Buffer.from(septets);
}

