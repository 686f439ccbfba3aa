import type { EventEmitter } from 'node:events';

/** Resolves with the first `event` whose payload passes `test`; rejects after `ms`. */
export function waitForEvent<T>(emitter: EventEmitter, event: string, ms = 3000, test: (value: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    const listener = (value: T) => {
      if (!test(value)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(value);
    };
    emitter.on(event, listener);
  });
}
