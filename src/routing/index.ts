export { Router } from './router';
export type { RouteConfig, RouteDecision, RouteMatch, RouteStrategy, RoutedMessage, RouterOptions } from './router';
export { Guard, GUARD_DEFAULTS, resolveGuardConfig } from './guard';
export type { GuardConfig, GuardOptions, GuardedMessage, PrefixRateCap, RateCap, ResolvedGuardConfig } from './guard';
export { optOutKeyword } from './opt-out';
export type { OptOutList } from './opt-out';
