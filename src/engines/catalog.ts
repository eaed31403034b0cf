/**
 * Every engine Parley ships, by kind and name: one line each. Adapters load on first use, so an
 * engine nobody chose costs nothing. Users add theirs with `registerEngine`.
 */
import { registerEngine } from './registry.js';

registerEngine(
  'vad',
  'silero',
  async (s, p) => (await import('./silero/engine.js')).sileroVadEngine(s, p),
  'Silero v5 on onnxruntime-node (offline)',
);
registerEngine(
  'stt',
  'embedded',
  async (s, p) => (await import('./pocketsphinx/engine.js')).pocketsphinxEngine(s, p),
  "pocketsphinx with the agent's domain language model (offline)",
);
registerEngine(
  'stt',
  'deepgram',
  async (s, p) => (await import('./deepgram/engine.js')).deepgramEngine(s, p),
  'Deepgram live streaming over WebSocket (DEEPGRAM_API_KEY, PARLEY_DEEPGRAM_URL; deepgram:model=nova-3,language=en)',
  { available: ({ env }) => Boolean(env.DEEPGRAM_API_KEY?.trim() || env.PARLEY_DEEPGRAM_URL?.trim()) },
);
registerEngine(
  'stt',
  'openai',
  async (s, p) => (await import('./openai-stt/engine.js')).openAiTranscriptionEngine(s, p),
  'an OpenAI-compatible transcription server: OpenAI, Groq, whisper.cpp, faster-whisper (PARLEY_STT_BASE_URL, PARLEY_STT_API_KEY, PARLEY_STT_MODEL; openai:partialMs=500)',
  { available: ({ env }) => Boolean(env.PARLEY_STT_BASE_URL?.trim() || env.PARLEY_STT_API_KEY?.trim()) },
);
registerEngine(
  'tts',
  'embedded',
  async (s, p) => (await import('./embedded-voices.js')).embeddedVoicesEngine(s, p),
  'flite voices slt, rms, awb, kal16 and espeak-ng (offline)',
);
registerEngine(
  'tts',
  'openai',
  async (s, p) => (await import('./openai-tts/engine.js')).openAiSpeechEngine(s, p),
  'an OpenAI-compatible speech server streaming PCM: OpenAI, Kokoro-FastAPI (PARLEY_TTS_BASE_URL, PARLEY_TTS_API_KEY, PARLEY_TTS_MODEL, PARLEY_TTS_VOICE)',
  { available: ({ env }) => Boolean(env.PARLEY_TTS_BASE_URL?.trim() || env.PARLEY_TTS_API_KEY?.trim()) },
);
registerEngine(
  'tts',
  'elevenlabs',
  async (s, p) => (await import('./elevenlabs/engine.js')).elevenLabsEngine(s, p),
  'ElevenLabs stream-input WebSocket with word timings (ELEVENLABS_API_KEY, PARLEY_ELEVENLABS_URL; elevenlabs:voice=ID,model=eleven_flash_v2_5)',
  { available: ({ env }) => Boolean(env.ELEVENLABS_API_KEY?.trim() || env.PARLEY_ELEVENLABS_URL?.trim()) },
);
registerEngine(
  'tts',
  'cartesia',
  async (s, p) => (await import('./cartesia/engine.js')).cartesiaEngine(s, p),
  'Cartesia WebSocket with word timestamps (CARTESIA_API_KEY, PARLEY_CARTESIA_URL; cartesia:voice=ID,model=sonic-3)',
  { available: ({ env }) => Boolean(env.CARTESIA_API_KEY?.trim() || env.PARLEY_CARTESIA_URL?.trim()) },
);
registerEngine(
  'brain',
  'agent',
  async (s, p) => (await import('./agent-brain.js')).agentBrainEngine(s, p),
  "the agent's own embedded dialogue engine (offline)",
);
registerEngine(
  'brain',
  'openai',
  async (s, p) => (await import('./openai/engine.js')).openAiBrainEngine(s, p),
  'an OpenAI-compatible chat-completions server (PARLEY_LLM_BASE_URL, PARLEY_LLM_MODEL, PARLEY_LLM_API_KEY)',
  { available: ({ env }) => Boolean(env.PARLEY_LLM_BASE_URL?.trim()) },
);

registerEngine(
  'brain',
  'anthropic',
  async (s, p) => (await import('./anthropic/engine.js')).anthropicBrainEngine(s, p),
  'Anthropic Messages streaming with tool use (ANTHROPIC_API_KEY, PARLEY_ANTHROPIC_URL, PARLEY_ANTHROPIC_MODEL)',
  { available: ({ env }) => Boolean(env.ANTHROPIC_API_KEY?.trim() || env.PARLEY_ANTHROPIC_URL?.trim()) },
);
registerEngine(
  'brain',
  'sim',
  async (s, p) => (await import('./sim/engine.js')).simBrainEngine(s, p),
  "an LLM latency simulator: the agent's own dialogue engine behind an OpenAI-compatible streaming server with LLM-like time to first token and token rate (sim:ttftMs=450,tps=40)",
);

export {
  type ChainOptions,
  chainEngines,
  DEFAULT_RETRY_PRIMARY_AFTER_MS,
  describeFailure,
} from './fallback/index.js';
export {
  createEngine,
  describeEngines,
  type EngineRegistrationOptions,
  engineNames,
  isEngineAvailable,
  isEngineSpecKnown,
  type EngineSpec,
  parseEngineSpec,
  registerEngine,
} from './registry.js';
