import { afterEach, describe, expect, it } from 'vitest';
import { createPackageTrackerAgent } from '../../apps/package-tracker/index.js';
import { SystemClock } from '../../clock.js';
import { openDatabase } from '../../store/database.js';
import { type AnthropicServer, startAnthropicServer } from '../../testing/providers/anthropic-server.js';
import type { EngineSettings } from '../engine.js';
import { EngineError } from '../types.js';
import { DEFAULT_ANTHROPIC_MODEL } from './anthropic-brain.js';
import { anthropicBrainEngine } from './engine.js';
import { anthropicBrainFromEnv, anthropicOptionsFromEnv } from './from-env.js';

const KEY = 'sk-ant-api03-from-env-0123456789';
let server: AnthropicServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const settings = (env: Record<string, string>): EngineSettings => ({
  dataDir: '.parley',
  lm: 'domain',
  speakingRate: 1,
  env,
});

describe('the Anthropic brain from the environment', () => {
  it('reads the key, URL and model, with a Haiku model by default', () => {
    expect(anthropicOptionsFromEnv({ ANTHROPIC_API_KEY: KEY })).toEqual({ apiKey: KEY });
    expect(anthropicBrainFromEnv({ ANTHROPIC_API_KEY: KEY }).name).toBe(
      `anthropic:${DEFAULT_ANTHROPIC_MODEL}`,
    );
    expect(DEFAULT_ANTHROPIC_MODEL).toMatch(/^claude-haiku-/);
    expect(
      anthropicOptionsFromEnv(
        {
          ANTHROPIC_API_KEY: KEY,
          PARLEY_ANTHROPIC_URL: 'http://127.0.0.1:8080',
          PARLEY_ANTHROPIC_MODEL: 'claude-sonnet-4-6',
        },
        { timeoutMs: '5000' },
      ),
    ).toEqual({ apiKey: KEY, baseUrl: 'http://127.0.0.1:8080', model: 'claude-sonnet-4-6', timeoutMs: 5000 });
    // A spec's model wins over the environment's.
    expect(
      anthropicOptionsFromEnv({ ANTHROPIC_API_KEY: KEY, PARLEY_ANTHROPIC_MODEL: 'a' }, { model: 'b' }).model,
    ).toBe('b');
    // A compatible server that needs no key.
    expect(anthropicOptionsFromEnv({ PARLEY_ANTHROPIC_URL: 'http://127.0.0.1:8080' })).toEqual({
      baseUrl: 'http://127.0.0.1:8080',
    });
  });

  it('says what is missing or wrong', () => {
    expect(() => anthropicOptionsFromEnv({})).toThrow(/no Anthropic API key.*Fix: set ANTHROPIC_API_KEY/);
    expect(() => anthropicOptionsFromEnv({ PARLEY_ANTHROPIC_URL: 'api.anthropic.com' })).toThrow(EngineError);
    expect(() => anthropicOptionsFromEnv({ ANTHROPIC_API_KEY: KEY }, { temperature: '0.2' })).toThrow(
      /unknown parameter 'temperature'/,
    );
    expect(() => anthropicOptionsFromEnv({ ANTHROPIC_API_KEY: KEY }, { timeoutMs: 'soon' })).toThrow(
      /timeoutMs/,
    );
  });

  it('the engine checks the key when it is created, not at the first turn', async () => {
    const brain = createPackageTrackerAgent({ db: openDatabase(':memory:') }).createBrain();
    server = await startAnthropicServer({ brain, apiKey: KEY });
    const wrong = 'sk-ant-api03-not-the-key-42';
    const err = await anthropicBrainEngine(
      settings({ ANTHROPIC_API_KEY: wrong, PARLEY_ANTHROPIC_URL: server.url }),
      {},
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).toMatch(/HTTP 401.*check ANTHROPIC_API_KEY/);
    expect((err as Error).message).not.toContain(wrong);
    expect(server.requests).toHaveLength(0); // the model list, not a message, was asked for

    const engine = await anthropicBrainEngine(
      settings({ ANTHROPIC_API_KEY: KEY, PARLEY_ANTHROPIC_URL: server.url }),
      {
        model: 'claude-haiku-4-5',
      },
    );
    expect(engine.name).toBe('anthropic');
    const made = engine.createBrain(
      { name: 'package-tracker' },
      { sessionId: 's', clock: new SystemClock() },
    );
    expect(made.name).toBe('anthropic:claude-haiku-4-5');
    expect(made.capabilities?.summaries).toBe(true);
  });
});
