/**
 * A module loaded on its first use, then kept: activation loads only what the view needs, and the
 * data layer (zod, drizzle, postgres.js) and the commands load when first called. Call sites pass
 * `() => require('...')`: esbuild still bundles that module, but evaluates it only then.
 */
export function lazy<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}
