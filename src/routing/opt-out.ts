/**
 * Opt-out (STOP) handling. The gateway records opt-outs from inbound texts and the guard
 * refuses to message a number that opted out; where the list lives (the store) is not the
 * guard's business, it only asks.
 */

export interface OptOutList {
  /**
   * Whether `e164` asked not to be messaged. `from` is the sender about to be used, for lists
   * that keep opt-outs per sender; a gateway-wide list ignores it. A rejected promise makes the
   * guard refuse the message: when in doubt, do not send.
   */
  isOptedOut(e164: string, from?: string): Promise<boolean>;
}

/**
 * The usual carrier opt-out keywords (CTIA and the big SMS platforms). Two-word forms
 * (`STOP ALL`, `OPT OUT`, `OPT-OUT`) are folded to their one-word spelling before lookup.
 */
const STOP_WORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE']);

/**
 * Opt-in keywords. `YES` is deliberately absent: people answer `yes` to appointment reminders
 * and surveys, and re-subscribing someone must rest on an unambiguous request.
 */
const START_WORDS = new Set(['START', 'UNSTOP']);

/**
 * The opt-out intent of an inbound text, or null. The keyword must be the whole message
 * (`Stop`, ` STOP. ` count; `please stop calling` does not), since a word inside a sentence
 * is not a request to unsubscribe. Case and surrounding spaces and trailing `.`/`!` are ignored.
 */
export function optOutKeyword(text: string): 'STOP' | 'START' | null {
  const word = text
    .trim()
    .replace(/[.!]+$/, '')
    .replace(/[\s-]+/g, '')
    .toUpperCase();
  if (STOP_WORDS.has(word)) return 'STOP';
  if (START_WORDS.has(word)) return 'START';
  return null;
}
