/**
 * Delivery reports that arrived before the submit they belong to was stored (an SMSC may send
 * the receipt before the submit's response has been stored). Each waits here until one of its
 * ids is linked, or its time is up.
 */

/** Why a wait ended: an id was linked, the time was up, or the gateway is stopping. */
export type HoldEnd = 'linked' | 'timeout' | 'released';

export class ReportHold {
  private readonly waiting = new Map<string, ((end: HoldEnd) => void)[]>();

  /** Resolves when any of `ids` of `transportId` is linked, or after `ms`. */
  wait(transportId: string, ids: string[], ms: number): Promise<HoldEnd> {
    const keys = ids.map((id) => key(transportId, id));
    return new Promise<HoldEnd>((resolve) => {
      const release = (end: HoldEnd) => {
        clearTimeout(timer);
        for (const k of keys) {
          const rest = (this.waiting.get(k) ?? []).filter((other) => other !== release);
          if (rest.length === 0) this.waiting.delete(k);
          else this.waiting.set(k, rest);
        }
        resolve(end);
      };
      const timer = setTimeout(() => release('timeout'), ms);
      for (const k of keys) this.waiting.set(k, [...(this.waiting.get(k) ?? []), release]);
    });
  }

  /** Provider ids were just linked: the reports waiting for them go on. */
  linked(transportId: string, providerIds: string[]): void {
    if (this.waiting.size === 0) return;
    for (const id of providerIds) for (const release of this.waiting.get(key(transportId, id)) ?? []) release('linked');
  }

  /** Lets every waiting report go on (the gateway is stopping). */
  releaseAll(): void {
    for (const releases of [...this.waiting.values()]) for (const release of releases) release('released');
  }
}

function key(transportId: string, providerId: string): string {
  return `${transportId}\u0000${providerId}`;
}
