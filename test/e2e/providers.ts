/**
 * Every cloud provider Parley speaks to, as local servers on loopback that speak its documented
 * protocol, backed by the embedded engines (so what they hear and say is real). `env` points
 * Parley's engines at them with the variables an operator would set.
 */
import { join } from 'node:path';
import { createPackageTrackerAgent, PACKAGE_TRACKER_PHRASES } from '../../src/apps/package-tracker/index.js';
import { SystemClock } from '../../src/clock.js';
import { createEngine } from '../../src/engines/catalog.js';
import type { RecognizerEngine } from '../../src/engines/engine.js';
import { createSynthesizer } from '../../src/engines/tts.js';
import type { Synthesizer } from '../../src/engines/types.js';
import { openDatabase } from '../../src/store/database.js';
import { type AnthropicServer, startAnthropicServer } from '../../src/testing/providers/anthropic-server.js';
import { type CartesiaServer, startCartesiaServer } from '../../src/testing/providers/cartesia-server.js';
import { type DeepgramServer, startDeepgramServer } from '../../src/testing/providers/deepgram-server.js';
import {
  type ElevenLabsServer,
  startElevenLabsServer,
} from '../../src/testing/providers/elevenlabs-server.js';
import {
  type OpenAiAudioServer,
  startOpenAiAudioServer,
} from '../../src/testing/providers/openai-audio-server.js';
import {
  type OpenAiChatServer,
  startOpenAiChatServer,
} from '../../src/testing/providers/openai-chat-server.js';

/** Distinct, long keys, so a leak is unmistakable in any log. */
export const KEYS = {
  deepgram: 'dg-e2e-5f1d2c7a9b3e4f60',
  openaiStt: 'sk-e2e-stt-8c2f91d04b7a',
  openaiTts: 'sk-e2e-tts-3e7b02c95d1f',
  elevenlabs: 'xi-e2e-a94c1e0f72b6d83',
  cartesia: 'sk_car_e2e_0b5d7e91c3a2f4',
  llm: 'sk-e2e-llm-6d0a4f8e21c9b3',
  anthropic: 'sk-ant-e2e-7c3e9a1d05f4b2',
} as const;

export interface Providers {
  env: Record<string, string>;
  /** A second Deepgram that drops every stream after 800 ms of audio (for fallback chains). */
  droppingDeepgramUrl: string;
  deepgram: DeepgramServer;
  openaiAudio: OpenAiAudioServer;
  elevenlabs: ElevenLabsServer;
  cartesia: CartesiaServer;
  chat: OpenAiChatServer;
  anthropic: AnthropicServer;
  close(): Promise<void>;
}

export async function startProviders(dir: string): Promise<Providers> {
  const domain = { phrases: PACKAGE_TRACKER_PHRASES };
  const pocketsphinx: RecognizerEngine = await createEngine('stt', 'embedded', {
    dataDir: join(dir, 'providers'),
    lm: 'domain',
    speakingRate: 1,
    env: {},
  });
  await pocketsphinx.prepare?.(domain);
  const recognizer = () =>
    pocketsphinx.createRecognizer(domain, { sessionId: 'provider', clock: new SystemClock() });
  const voice: Synthesizer = await createSynthesizer('slt');
  const db = openDatabase(':memory:');
  // The "LLM" behind both chat servers is the package tracker's own dialogue engine.
  const brain = createPackageTrackerAgent({ db }).createBrain();

  const deepgram = await startDeepgramServer({ recognizer, apiKey: KEYS.deepgram });
  const dropping = await startDeepgramServer({ recognizer, apiKey: KEYS.deepgram, dropAfterAudioMs: 800 });
  const openaiAudio = await startOpenAiAudioServer({
    recognizer: await recognizer(),
    synthesizer: voice,
    apiKey: KEYS.openaiStt,
  });
  const openaiSpeech = await startOpenAiAudioServer({ synthesizer: voice, apiKey: KEYS.openaiTts });
  const elevenlabs = await startElevenLabsServer({ synthesizer: voice, apiKey: KEYS.elevenlabs });
  const cartesia = await startCartesiaServer({ synthesizer: voice, apiKey: KEYS.cartesia });
  const chat = await startOpenAiChatServer({ brain, apiKey: KEYS.llm });
  const anthropic = await startAnthropicServer({ brain, apiKey: KEYS.anthropic });

  const env: Record<string, string> = {
    DEEPGRAM_API_KEY: KEYS.deepgram,
    PARLEY_DEEPGRAM_URL: deepgram.url,
    PARLEY_STT_BASE_URL: openaiAudio.url,
    PARLEY_STT_API_KEY: KEYS.openaiStt,
    PARLEY_STT_MODEL: 'whisper-1',
    PARLEY_TTS_BASE_URL: openaiSpeech.url,
    PARLEY_TTS_API_KEY: KEYS.openaiTts,
    ELEVENLABS_API_KEY: KEYS.elevenlabs,
    PARLEY_ELEVENLABS_URL: elevenlabs.url,
    CARTESIA_API_KEY: KEYS.cartesia,
    PARLEY_CARTESIA_URL: cartesia.url,
    PARLEY_LLM_BASE_URL: chat.url,
    PARLEY_LLM_MODEL: 'gpt-4o-mini',
    PARLEY_LLM_API_KEY: KEYS.llm,
    ANTHROPIC_API_KEY: KEYS.anthropic,
    PARLEY_ANTHROPIC_URL: anthropic.url,
  };
  return {
    env,
    droppingDeepgramUrl: dropping.url,
    deepgram,
    openaiAudio,
    elevenlabs,
    cartesia,
    chat,
    anthropic,
    async close() {
      await Promise.allSettled(
        [deepgram, dropping, openaiAudio, openaiSpeech, elevenlabs, cartesia, chat, anthropic].map((s) =>
          s.close(),
        ),
      );
      await voice.close?.();
      await pocketsphinx.close?.();
      db.close();
    },
  };
}

/** Every secret `env` holds, to check that none leaks. */
export function secretsIn(env: Record<string, string>): string[] {
  return Object.values(KEYS).filter((key) => Object.values(env).includes(key));
}
