/**
 * The embedded voices as a synthesizer engine: flite (slt, rms, awb, kal16) with espeak-ng, one
 * synthesizer per voice, made on first use and shared by every session speaking it.
 */
import type { EngineFactory } from './engine.js';
import { createSynthesizer, DEFAULT_VOICE, isVoiceName, VOICES } from './tts.js';
import { EngineError, type Synthesizer } from './types.js';

export const embeddedVoicesEngine: EngineFactory<'tts'> = async (settings) => {
  const defaultVoice = settings.voice ?? DEFAULT_VOICE;
  if (!isVoiceName(defaultVoice)) {
    throw new EngineError('tts', `unknown voice '${defaultVoice}'`, `use one of ${VOICES.join(', ')}`);
  }
  const synthesizers = new Map<string, Promise<Synthesizer>>();
  const synthesizer = (voice: string): Promise<Synthesizer> => {
    let made = synthesizers.get(voice);
    if (!made) {
      if (!isVoiceName(voice)) {
        return Promise.reject(
          new EngineError('tts', `unknown voice '${voice}'`, `use one of ${VOICES.join(', ')}`),
        );
      }
      made = createSynthesizer(voice, { rate: settings.speakingRate });
      made.catch(() => synthesizers.delete(voice));
      synthesizers.set(voice, made);
    }
    return made;
  };
  // The default voice loads now, so a broken install is reported at start, not on the first call.
  await synthesizer(defaultVoice);
  return {
    name: 'embedded',
    voices: VOICES,
    defaultVoice,
    // A view per session: the voice stays loaded for the others when one session ends.
    synthesizer: async (voice) => {
      const shared = await synthesizer(voice ?? defaultVoice);
      return {
        sampleRate: shared.sampleRate,
        voice: shared.voice,
        synthesize: (text, signal) => shared.synthesize(text, signal),
      };
    },
    async close() {
      const made = await Promise.allSettled(synthesizers.values());
      await Promise.allSettled(made.map((r) => (r.status === 'fulfilled' ? r.value.close?.() : undefined)));
    },
  };
};
