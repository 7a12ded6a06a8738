/**
 * Fails the enclosing suite on any unhandled promise rejection: registers a process
 * 'unhandledRejection' listener for the suite's lifetime and checks it after every test
 * (after a turn of the event loop, so that a rejection left behind by the test is seen).
 */
export function failOnUnhandledRejection(): void {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => {
    seen.push(reason);
  };
  const check = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    if (seen.length === 0) return;
    const reasons = seen.splice(0).map((r) => (r instanceof Error ? `${r.name}: ${r.message}` : String(r)));
    throw new Error(`unhandled promise rejection(s): ${reasons.join('; ')}`);
  };
  before(() => {
    process.on('unhandledRejection', listener);
  });
  afterEach(check);
  after(async () => {
    try {
      await check();
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
}
