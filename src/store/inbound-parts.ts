import type { InboundPart } from '../transport/types';

/** The parts of one concatenated message share this: same link, sender, recipient, reference and count. */
export function inboundGroupKey(part: InboundPart): string {
  return [part.transportId, part.from, part.to, part.reference, part.total].join('\u0000');
}
