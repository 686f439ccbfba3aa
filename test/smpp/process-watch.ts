/**
 * Process-level detectors for a describe block: every unhandled rejection and uncaught
 * exception while its tests run is recorded (and, being handled here, cannot take the test
 * process down before the test can report it). Installed in `before`, removed in `after`.
 */
export function watchProcess(): { failures(): string[] } {
  const failures: string[] = [];
  const rejection = (reason: unknown) => failures.push(`unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}`);
  const exception = (err: Error) => failures.push(`uncaught exception: ${err.stack ?? String(err)}`);
  before(() => {
    process.on('unhandledRejection', rejection);
    process.on('uncaughtException', exception);
  });
  after(() => {
    process.off('unhandledRejection', rejection);
    process.off('uncaughtException', exception);
  });
  return { failures: () => [...failures] };
}
