import { describe, expect, it } from 'vitest';
import { EngineError } from '../types.js';
import { brainFromEnv } from './from-env.js';
import { OpenAiBrain } from './openai-brain.js';

describe('brain from the environment', () => {
  it('is the agent’s own brain (undefined here) when no LLM is configured', () => {
    expect(brainFromEnv({})).toBeUndefined();
    expect(brainFromEnv({ PARLEY_LLM_BASE_URL: '  ' })).toBeUndefined();
  });

  it('is an OpenAI-compatible brain when a base URL and model are set', () => {
    const brain = brainFromEnv({
      PARLEY_LLM_BASE_URL: 'http://127.0.0.1:11434/v1',
      PARLEY_LLM_MODEL: 'llama3.2',
      PARLEY_LLM_API_KEY: 'sk-x',
      PARLEY_LLM_TEMPERATURE: '0.3',
    });
    expect(brain).toBeInstanceOf(OpenAiBrain);
    expect(brain?.name).toBe('openai:llama3.2');
  });

  it('says what is missing when the configuration is incomplete or wrong', () => {
    expect(() => brainFromEnv({ PARLEY_LLM_BASE_URL: 'http://127.0.0.1:1/v1' })).toThrow(/PARLEY_LLM_MODEL/);
    expect(() =>
      brainFromEnv({
        PARLEY_LLM_BASE_URL: 'http://x/v1',
        PARLEY_LLM_MODEL: 'm',
        PARLEY_LLM_TEMPERATURE: 'warm',
      }),
    ).toThrow(EngineError);
  });

  it('an LLM brain says it can write the call summary (a capability, not a class check)', () => {
    const brain = brainFromEnv({ PARLEY_LLM_BASE_URL: 'http://127.0.0.1:1/v1', PARLEY_LLM_MODEL: 'm' });
    expect(brain?.capabilities?.summaries).toBe(true);
  });
});
