/** Voice Mirror: says back what the caller said in another voice. Listening, turn-taking and speech only. */
import { defineAgent } from '../../index.js';
import { MIRROR_SAY, createVoiceMirrorBrain } from './brain.js';
import { VOICE_MIRROR_PHRASES } from './phrases.js';

export default defineAgent({
  name: 'voice-mirror',
  description: 'repeats what you say in another voice (VAD, STT and TTS only)',
  scenarios: new URL('./scenarios/', import.meta.url),
  persona: 'You repeat exactly what the caller just said, word for word, and nothing else.',
  greeting: MIRROR_SAY.greeting,
  // Not the default slt, so the echo is audibly someone else.
  voice: 'rms',
  phraseTemplates: VOICE_MIRROR_PHRASES,
  tools: [],
  createBrain: () => createVoiceMirrorBrain(),
});
