import { describe, expect, it } from 'vitest';
import { resolveRuntimeConfig } from './config.js';

describe('runtime configuration', () => {
  it('takes a flag over the environment, and the environment over the default', () => {
    expect(resolveRuntimeConfig({}, {})).toEqual({
      dataDir: '.parley',
      lm: 'domain',
      agent: 'package-tracker',
      stt: 'embedded',
      tts: 'embedded',
      brain: 'agent',
    });
    const env = {
      PARLEY_DATA_DIR: '/srv/parley',
      PARLEY_VOICE: 'rms',
      PARLEY_LM: 'generic',
      PARLEY_AGENT: './a.ts',
    };
    expect(resolveRuntimeConfig({}, env)).toMatchObject({
      dataDir: '/srv/parley',
      voice: 'rms',
      lm: 'generic',
      agent: './a.ts',
    });
    expect(resolveRuntimeConfig({ dataDir: 'here', voice: 'awb', lm: 'domain' }, env)).toMatchObject({
      dataDir: 'here',
      voice: 'awb',
      lm: 'domain',
    });
  });

  it('uses the LLM brain when an LLM is configured, unless told otherwise', () => {
    const env = { PARLEY_LLM_BASE_URL: 'http://127.0.0.1:1/v1' };
    expect(resolveRuntimeConfig({}, env).brain).toBe('openai');
    expect(resolveRuntimeConfig({ brain: 'agent' }, env).brain).toBe('agent');
    expect(resolveRuntimeConfig({}, { ...env, PARLEY_BRAIN: 'agent' }).brain).toBe('agent');
  });

  it('takes a fallback chain of known engines, and names the link that is not one', () => {
    expect(resolveRuntimeConfig({}, { PARLEY_TTS: 'embedded, embedded' }).tts).toBe('embedded, embedded');
    expect(() => resolveRuntimeConfig({}, { PARLEY_STT: 'embedded,whisper' })).toThrow(
      /PARLEY_STT 'embedded,whisper' is not allowed.*fallback chain/,
    );
    expect(() => resolveRuntimeConfig({ stt: 'embedded,' }, {})).toThrow(/--stt/);
  });

  it('names where a bad value came from and what is allowed', () => {
    expect(() => resolveRuntimeConfig({}, { PARLEY_LM: 'huge' })).toThrow(
      "PARLEY_LM 'huge' is not allowed; use one of: domain, generic",
    );
    expect(() => resolveRuntimeConfig({ lm: 'huge' }, {})).toThrow("--lm 'huge' is not allowed");
    expect(() => resolveRuntimeConfig({ stt: 'whisper' }, {})).toThrow(
      "--stt 'whisper' is not allowed; use one of: embedded",
    );
    expect(() => resolveRuntimeConfig({}, { PARLEY_BRAIN: 'gpt' })).toThrow(
      /PARLEY_BRAIN 'gpt'.*agent, openai/,
    );
  });
});
