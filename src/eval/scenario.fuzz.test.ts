/**
 * Property-based tests of scenario files: any YAML or JSON text loads as a Scenario or is refused
 * with a ScenarioError naming what is wrong, never another exception, and never pollutes prototypes.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import YAML from 'yaml';
import { fuzzParams, hostileJson, hostileText } from '../testing/fuzz.js';
import { parseScenarioText, type Scenario, ScenarioError } from './scenario.js';

const VALID = {
  name: 'order-status',
  description: 'asks where an order is',
  tags: ['smoke'],
  voice: 'rms',
  steps: [
    { say: 'where is my order four two one nine' },
    { wait_for_agent: {} },
    { pause: 600 },
    { noise: { kind: 'cough', ms: 300 } },
    { interrupt: { text: 'wait', afterAgentAudioMs: 400 } },
  ],
  expect: {},
};

const anyValue = fc.oneof(hostileJson(3), hostileText(40), fc.double(), fc.integer(), fc.constant(null));
const KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'say',
  'pause',
  'steps',
  'name',
];

/** One step: a real kind or a prototype key, with a fitting or hostile value. */
const step = fc.oneof(
  fc.constantFrom(...VALID.steps),
  fc.dictionary(
    fc.oneof(fc.constantFrom(...KEYS, 'noise', 'backchannel', 'wait_for_agent', 'silence'), hostileText(10)),
    anyValue,
    { maxKeys: 2 },
  ),
  anyValue,
);

/** The valid scenario with fields replaced, added or removed. */
const doc = fc
  .tuple(
    fc.dictionary(
      fc.oneof(fc.constantFrom(...Object.keys(VALID), 'options', 'echo', 'rate', ...KEYS), hostileText(8)),
      anyValue,
      {
        maxKeys: 3,
      },
    ),
    fc.array(step, { maxLength: 5 }),
    fc.boolean(),
  )
  .map(([overrides, steps, keepSteps]) => ({
    ...VALID,
    ...(keepSteps ? {} : { steps }),
    ...Object.fromEntries(Object.entries(overrides)),
  }));

const text = fc.oneof(
  fc.tuple(doc, fc.constantFrom('x.yaml', 'x.json')).map(([d, source]) => ({
    text: source.endsWith('.json') ? JSON.stringify(d) : YAML.stringify(d),
    source,
  })),
  fc
    .tuple(hostileText(300), fc.constantFrom('x.yaml', 'x.yml', 'x.json'))
    .map(([t, source]) => ({ text: t, source })),
  fc.constantFrom(
    // YAML features a hostile file might lean on: aliases, merge keys, tags, prototype keys.
    { text: 'name: a\nsteps:\n  - &s {say: hi}\n  - *s\n', source: 'x.yaml' },
    { text: 'name: a\n<<: {steps: [{say: hi}]}\nsteps: []\n', source: 'x.yaml' },
    { text: 'name: !!js/function "f"\nsteps: [{say: hi}]\n', source: 'x.yaml' },
    { text: 'name: a\nsteps:\n  - constructor: {}\n', source: 'x.yaml' },
    { text: 'name: a\nsteps:\n  - __proto__: {text: hi}\n', source: 'x.yaml' },
    { text: '{"name":"a","options":{"__proto__":{"polluted":1}},"steps":[{"say":"hi"}]}', source: 'x.json' },
    { text: 'a: &a [*a]\n', source: 'x.yaml' },
  ),
);

function load(t: { text: string; source: string }): Scenario | ScenarioError {
  try {
    return parseScenarioText(t.text, t.source);
  } catch (err) {
    if (err instanceof ScenarioError) return err;
    throw err;
  }
}

// The yaml library warns on unknown tags (useful on the CLI); the fuzzer makes hundreds of them.
beforeAll(() => {
  vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
});
afterAll(() => {
  vi.restoreAllMocks();
});

describe('scenario files, fuzzed', () => {
  it('any file loads as a scenario or is refused with a ScenarioError, never another throw', () => {
    let loaded = 0;
    fc.assert(
      fc.property(text, (t) => {
        const result = load(t);
        if (result instanceof ScenarioError) {
          expect(result.issues.length).toBeGreaterThan(0);
        } else {
          loaded++;
          expect(result.steps.length).toBeGreaterThan(0);
          for (const s of result.steps) expect(typeof s.type).toBe('string');
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      fuzzParams(300),
    );
    expect(loaded).toBeGreaterThan(0);
  });

  it('a step named after an Object.prototype member is an unknown step, not a TypeError (fuzz finding)', () => {
    for (const kind of ['constructor', 'toString', 'hasOwnProperty']) {
      const result = load({ text: `name: a\nsteps:\n  - ${kind}: {}\n`, source: 'x.yaml' });
      expect(result).toBeInstanceOf(ScenarioError);
      expect((result as ScenarioError).issues[0]).toMatch(new RegExp(`unknown step '${kind}'`));
    }
  });
});
