import { describe, expect, it } from 'vitest';
import { startOpenAiChatServer } from '../../testing/providers/openai-chat-server.js';
import type { EngineSettings } from '../engine.js';
import { openAiBrainEngine } from './engine.js';

const KEY = 'sk-right-key-2468013579';
const brain = {
  name: 'answers',
  async *respond() {
    yield { type: 'text' as const, text: 'It is in transit.' };
  },
};
const settings = (env: Record<string, string>): EngineSettings => ({
  dataDir: '.parley',
  lm: 'domain',
  speakingRate: 1,
  env: { PARLEY_LLM_MODEL: 'gpt-4o-mini', ...env },
});

describe('the openai brain engine', () => {
  it('reports a wrong key when it is created (at start), not at the first turn, without the key', async () => {
    const server = await startOpenAiChatServer({ brain, apiKey: KEY });
    try {
      const wrong = 'sk-wrong-key-1357924680';
      const failure = openAiBrainEngine(
        settings({ PARLEY_LLM_BASE_URL: server.url, PARLEY_LLM_API_KEY: wrong }),
        {},
      );
      await expect(failure).rejects.toThrow(/401.*PARLEY_LLM_API_KEY/);
      await expect(failure).rejects.not.toThrow(new RegExp(wrong));
      await expect(
        openAiBrainEngine(settings({ PARLEY_LLM_BASE_URL: server.url, PARLEY_LLM_API_KEY: KEY }), {}),
      ).resolves.toMatchObject({ name: 'openai' });
    } finally {
      await server.close();
    }
  });

  it('reports a server that is not there when it is created', async () => {
    await expect(
      openAiBrainEngine(settings({ PARLEY_LLM_BASE_URL: 'http://127.0.0.1:9/v1' }), {}),
    ).rejects.toThrow(/failed.*check that the LLM server is running/s);
  });
});
