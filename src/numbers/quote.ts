/** Longest piece of caller input repeated in an error message; the rest is cut with an ellipsis. */
const MAX_QUOTED_LENGTH = 40;

/**
 * Quotes caller input for an error message: JSON quoting makes blanks, control characters and
 * the empty string visible, and the cut keeps a pasted paragraph from flooding a log line.
 */
export function quote(input: string): string {
  const shown = input.length > MAX_QUOTED_LENGTH ? `${input.slice(0, MAX_QUOTED_LENGTH)}…` : input;
  return JSON.stringify(shown);
}
