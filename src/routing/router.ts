/**
 * The route table: which transports carry a message. Routes are tried in order and the first
 * whose `match` holds wins, so specific routes go first and a catch-all (no `match`) goes last.
 */
import { SmsGateError } from '../errors';
import type { NationalLanguage } from '../encoding';
import type { NumberInfo, NumberType } from '../types';

/**
 * How a route orders its transports for one message:
 * - `failover`: always in the listed order; the next one only when the previous fails.
 * - `round-robin`: the starting transport rotates per message, the others follow in list order.
 * - `weighted`: the first is drawn by `weights`, the others follow in list order. A weight of 0
 *   makes a transport a backup only: never drawn first, still tried when the drawn one fails.
 */
export type RouteStrategy = 'failover' | 'round-robin' | 'weighted';

/** Every criterion given must hold; within one criterion any listed value matches. */
export interface RouteMatch {
  /** ISO 3166-1 alpha-2 regions of the recipient, e.g. `GB`. */
  country?: string[];
  /** Leading digits of the recipient's E.164 number, with or without `+`: `+4477` or `4477`. */
  prefix?: string[];
  /** The recipient's network name, compared case-insensitively. */
  carrier?: string[];
  /** Number types, exactly as libphonenumber names them (`MOBILE` does not match `FIXED_LINE_OR_MOBILE`). */
  type?: NumberType[];
  /** Sender strings, compared exactly. */
  sender?: string[];
  /** The message's free tag, compared exactly. */
  tag?: string[];
}

export interface RouteConfig {
  /** Absent: the route matches every message. */
  match?: RouteMatch;
  /** Transport ids, at least one. */
  transports: string[];
  /** Default `failover`. */
  strategy?: RouteStrategy;
  /** Required for `weighted`, parallel to `transports`: non-negative, not all zero. */
  weights?: number[];
  /** GSM national language shift tables the encoder may use for messages on this route. */
  nationalLanguages?: NationalLanguage[];
}

export interface RouteDecision {
  /** Position of the chosen route in the table. */
  routeIndex: number;
  /** Candidate transports in the order to try them. */
  transports: string[];
  nationalLanguages?: NationalLanguage[];
}

export interface RoutedMessage {
  number: NumberInfo;
  from?: string;
  tag?: string;
}

export interface RouterOptions {
  /** Uniform in [0, 1), like Math.random (the default); tests inject a seeded one. */
  random?: () => number;
}

/** A route's criteria normalised once, so matching a message is plain comparisons. */
interface CompiledMatch {
  countries?: Set<string>;
  prefixes?: string[];
  carriers?: Set<string>;
  types?: Set<NumberType>;
  senders?: Set<string>;
  tags?: Set<string>;
}

export class Router {
  private readonly routes: RouteConfig[];
  private readonly matches: CompiledMatch[];
  /** Per route: the index of the transport the next round-robin message starts with. */
  private readonly nextStart: number[];
  /** The same for transport lists that senders give themselves, per list. */
  private readonly nextStartOfList = new Map<string, number>();
  private readonly random: () => number;

  constructor(routes: RouteConfig[], opts: RouterOptions = {}) {
    routes.forEach(checkRoute);
    this.routes = routes;
    this.matches = routes.map((route) => compileMatch(route.match ?? {}));
    this.nextStart = routes.map(() => 0);
    this.random = opts.random ?? Math.random;
  }

  /** The first route matching `msg`; throws NO_ROUTE when none does. */
  select(msg: RoutedMessage): RouteDecision {
    const routeIndex = this.matches.findIndex((match) => matches(match, msg));
    if (routeIndex < 0) {
      throw new SmsGateError('NO_ROUTE', `no route matches ${describeRecipient(msg)}`, { field: 'to' });
    }
    const route = this.routes[routeIndex]!;
    const decision: RouteDecision = { routeIndex, transports: this.order(routeIndex, route) };
    if (route.nationalLanguages !== undefined) decision.nationalLanguages = [...route.nationalLanguages];
    return decision;
  }

  /**
   * Orders a sender's own transport list (a send request's `transports`) as a route with that
   * list and strategy would: a Node-RED send node's connection and backup, round robin or not.
   */
  arrange(transports: string[], strategy: 'failover' | 'round-robin' = 'failover'): string[] {
    if (strategy === 'failover' || transports.length < 2) return [...transports];
    const key = transports.join('\n');
    const start = this.nextStartOfList.get(key) ?? 0;
    this.nextStartOfList.set(key, (start + 1) % transports.length);
    return [...transports.slice(start), ...transports.slice(0, start)];
  }

  private order(routeIndex: number, route: RouteConfig): string[] {
    const transports = route.transports;
    switch (route.strategy ?? 'failover') {
      case 'failover':
        return [...transports];
      case 'round-robin': {
        const start = this.nextStart[routeIndex]!;
        this.nextStart[routeIndex] = (start + 1) % transports.length;
        return [...transports.slice(start), ...transports.slice(0, start)];
      }
      case 'weighted': {
        const first = drawWeighted(route.weights!, this.random());
        return [transports[first]!, ...transports.filter((_, i) => i !== first)];
      }
    }
  }
}

/** The index whose share of the total weight contains `draw` (uniform in [0, 1)). */
function drawWeighted(weights: number[], draw: number): number {
  const total = weights.reduce((sum, w) => sum + w, 0);
  let remaining = draw * total;
  for (let i = 0; i < weights.length; i++) {
    if (remaining < weights[i]!) return i; // a zero weight has an empty share: never drawn
    remaining -= weights[i]!;
  }
  // Rounding can leave a sliver past the last share: it belongs to the last drawable transport.
  return weights.findLastIndex((w) => w > 0);
}

function matches(match: CompiledMatch, { number, from, tag }: RoutedMessage): boolean {
  const digits = number.e164.replace(/^\+/, '');
  return (
    (!match.countries || (number.country !== null && match.countries.has(number.country.toUpperCase()))) &&
    (!match.prefixes || match.prefixes.some((prefix) => digits.startsWith(prefix))) &&
    (!match.carriers || (number.carrier !== null && match.carriers.has(number.carrier.toLowerCase()))) &&
    (!match.types || (number.type !== null && match.types.has(number.type))) &&
    (!match.senders || (from !== undefined && match.senders.has(from))) &&
    (!match.tags || (tag !== undefined && match.tags.has(tag)))
  );
}

function compileMatch(match: RouteMatch): CompiledMatch {
  const compiled: CompiledMatch = {};
  if (match.country) compiled.countries = new Set(match.country.map((c) => c.toUpperCase()));
  if (match.prefix) compiled.prefixes = match.prefix.map((p) => p.replace(/^\+/, ''));
  if (match.carrier) compiled.carriers = new Set(match.carrier.map((c) => c.toLowerCase()));
  if (match.type) compiled.types = new Set(match.type);
  if (match.sender) compiled.senders = new Set(match.sender);
  if (match.tag) compiled.tags = new Set(match.tag);
  return compiled;
}

/**
 * A route table built in code skips the config validator, so the router refuses the few
 * shapes it could not act on rather than routing to nowhere.
 */
function checkRoute(route: RouteConfig, index: number): void {
  const invalid = (field: string, message: string) =>
    new SmsGateError('CONFIG_INVALID', `routes[${index}].${field}: ${message}`, { field: `routes[${index}].${field}` });
  if (route.transports.length === 0) throw invalid('transports', 'expected at least one transport id');
  if ((route.strategy ?? 'failover') !== 'weighted') return;
  const weights = route.weights;
  if (weights === undefined || weights.length !== route.transports.length) {
    throw invalid('weights', `expected ${route.transports.length} weights, one per transport`);
  }
  if (!weights.every((w) => Number.isFinite(w) && w >= 0) || !weights.some((w) => w > 0)) {
    throw invalid('weights', 'expected non-negative numbers, at least one above 0');
  }
}

function describeRecipient({ number, from, tag }: RoutedMessage): string {
  const facts = [
    `country ${number.country ?? 'none'}`,
    `type ${number.type ?? 'unknown'}`,
    `carrier ${number.carrier ?? 'unknown'}`,
  ];
  if (from !== undefined) facts.push(`sender ${from}`);
  if (tag !== undefined) facts.push(`tag ${tag}`);
  return `${number.e164} (${facts.join(', ')})`;
}
