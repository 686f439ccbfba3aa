/**
 * The transports a gateway has, and what each last said about its link. One place answers
 * "does this link take submits" and "which of a route's transports to try".
 */
import { SmsGateError } from '../errors';
import type { LinkStatus, Transport } from '../transport/types';

export class Links {
  private readonly transports = new Map<string, Transport>();
  private readonly statuses = new Map<string, LinkStatus>();

  constructor(transports: Transport[]) {
    for (const transport of transports) this.add(transport);
  }

  add(transport: Transport): void {
    if (this.transports.has(transport.id)) {
      throw new SmsGateError('CONFIG_INVALID', `a transport with the id "${transport.id}" is already added`, { field: 'transports' });
    }
    this.transports.set(transport.id, transport);
  }

  /** Takes a transport out; its link status goes with it. */
  remove(id: string): Transport | undefined {
    const transport = this.transports.get(id);
    this.transports.delete(id);
    this.statuses.delete(id);
    return transport;
  }

  get(id: string): Transport | undefined {
    return this.transports.get(id);
  }

  has(id: string): boolean {
    return this.transports.has(id);
  }

  all(): Transport[] {
    return [...this.transports.values()];
  }

  ids(): string[] {
    return [...this.transports.keys()];
  }

  /**
   * Records what `transport` says about its link; false when it no longer speaks for its id (it
   * was removed, or a redeploy replaced it). `cameUp`: it takes submits now and did not before.
   */
  report(transport: Transport, status: LinkStatus): { current: boolean; cameUp: boolean } {
    if (this.transports.get(transport.id) !== transport) return { current: false, cameUp: false };
    const previous = this.statuses.get(transport.id)?.state;
    this.statuses.set(transport.id, status);
    // A modem repeats 'connected' with each health check; only a link coming up counts.
    return { current: true, cameUp: status.state === 'connected' && previous !== 'connected' };
  }

  statusOf(): Record<string, LinkStatus> {
    return Object.fromEntries(this.statuses);
  }

  /** Whether a transport's link takes submits, by the last status it reported. */
  up(id: string): boolean {
    const state = this.statuses.get(id)?.state;
    return state === 'connected' || state === 'throttled';
  }

  upIds(): string[] {
    return this.ids().filter((id) => this.up(id));
  }

  /**
   * Failover: the first of the route's transports that is present and whose link is up,
   * starting further down the list after each temporary refusal; when none is, the one in turn
   * (it will say why).
   */
  pick(candidates: string[], attempts: number): string {
    const inTurn = (offset: number) => candidates[(attempts + offset) % candidates.length]!;
    for (let offset = 0; offset < candidates.length; offset++) {
      const id = inTurn(offset);
      // A transport that has reported nothing yet is given the chance.
      if (this.transports.has(id) && (!this.statuses.has(id) || this.up(id))) return id;
    }
    return inTurn(0);
  }
}
