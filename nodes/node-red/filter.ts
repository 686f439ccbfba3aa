/**
 * Which connections a receive or status node listens to: every one (the default, no setup), or
 * the one chosen in the editor.
 */
import type { NodeDefinition } from './red';

/** The chosen config node's id, or undefined for every connection. */
export function chosenConnection(def: NodeDefinition): string | undefined {
  const id = def.kind === 'smpp' ? def.smpp : def.kind === 'modem' ? def.modem : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
