/**
 * SMPP addresses (SMPP 3.4 §5.2.5 type of number, §5.2.6 numbering plan indicator): an address
 * field never carries the `+`; an international number says so with TON 1 instead.
 */

export const TON_INTERNATIONAL = 1;
export const NPI_ISDN = 1; // E.164

export interface SmppAddress {
  ton: number;
  npi: number;
  addr: string;
}

/** A verified recipient (`+` and digits) as submit_sm's destination. */
export function destinationAddress(e164: string): SmppAddress {
  return { ton: TON_INTERNATIONAL, npi: NPI_ISDN, addr: e164.replace(/^\+/, '') };
}

/**
 * A received address as smsgate shows it: E.164 with `+` when the network marked it international
 * (so opt-outs and replies match the numbers send() normalises), otherwise exactly as received.
 */
export function receivedAddress(addr: string, ton: number): string {
  return ton === TON_INTERNATIONAL && !addr.startsWith('+') ? `+${addr}` : addr;
}
