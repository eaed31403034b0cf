/**
 * Settings shared by the property-based (`*.fuzz.test.ts`) tests: a fixed seed, so a failure
 * replays exactly (fast-check prints the seed and the counterexample path), and bounded runs, so
 * the suite stays within seconds. `PARLEY_FUZZ_SEED` and `PARLEY_FUZZ_RUNS` explore further.
 * Kept out of the build (tsconfig.build.json): fast-check is a dev dependency.
 */
import fc from 'fast-check';

/** The seed every fuzz test starts from. Default 1515 (issue 15). */
export const FUZZ_SEED = Number(process.env.PARLEY_FUZZ_SEED ?? 1515);

/** fast-check parameters for a property: `runs` cases (scaled by `PARLEY_FUZZ_RUNS`/200), seed fixed. */
export function fuzzParams<T>(runs: number): fc.Parameters<T> {
  const scale = process.env.PARLEY_FUZZ_RUNS ? Number(process.env.PARLEY_FUZZ_RUNS) / 200 : 1;
  return { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(runs * scale)) };
}

/** Text that a hostile client might send: any code points, lone surrogates, control characters. */
export const hostileText = (maxLength = 200): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.constantFrom('', ' ', '\u0000', '\ud800', '__proto__', 'constructor', 'toString', '💥'.repeat(10)),
  );

/** Any JSON value, including the keys that pollute prototypes when assigned. */
export const hostileJson = (depth = 4): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.jsonValue({ maxDepth: depth }),
    fc.dictionary(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'type', 'toString'),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  );

/** Deeply nested arrays/objects, `depth` levels, as JSON text (built iteratively: no recursion limit). */
export function nestedJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}
