/**
 * Message ids: one counter for the simulator's life (or one that wraps, to hand ids out again),
 * written in the format asked for. Real SMSCs disagree on how they write ids, and some write the
 * same id differently in submit_sm_resp and in the receipt (hex in one, decimal in the other;
 * upper or lower case; with or without leading zeros). Formatting the same number both ways lets
 * a transport's id matching be tested.
 */

/** The id number after `id`: the next one, or `first` again once `wrap` ids have been handed out. */
export function nextMessageId(id: number, first: number, wrap: number | undefined): number {
  return wrap !== undefined && id + 1 >= first + wrap ? first : id + 1;
}

/**
 * - `hex`: lower-case hexadecimal, zero-padded to 8 digits (`0000002a`)
 * - `hex-upper`: upper-case hexadecimal, zero-padded to 8 digits (`0000002A`)
 * - `decimal`: decimal without leading zeros (`42`)
 * - `decimal-padded`: decimal zero-padded to 10 digits (`0000000042`)
 */
export type MessageIdFormat = 'hex' | 'hex-upper' | 'decimal' | 'decimal-padded';

export const MESSAGE_ID_FORMATS: readonly MessageIdFormat[] = ['hex', 'hex-upper', 'decimal', 'decimal-padded'];

export function formatMessageId(id: number, format: MessageIdFormat): string {
  switch (format) {
    case 'hex':
      return id.toString(16).padStart(8, '0');
    case 'hex-upper':
      return id.toString(16).toUpperCase().padStart(8, '0');
    case 'decimal':
      return id.toString(10);
    case 'decimal-padded':
      return id.toString(10).padStart(10, '0');
  }
}
