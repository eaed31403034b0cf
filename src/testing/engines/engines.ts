/** Deterministic, clock-driven engines for tests of every team. */
export { AsyncQueue } from './async-queue.js';
export { dbfsOf, rmsOf } from './energy.js';
export { EnergyVad, type EnergyVadOptions } from './energy-vad.js';
export {
  type BrainCall,
  type BrainStep,
  ScriptedBrain,
  type ScriptedBrainOptions,
  type ScriptedReply,
} from './scripted-brain.js';
export {
  ScriptedRecognition,
  ScriptedRecognizer,
  type ScriptedRecognizerOptions,
  type ScriptedUtterance,
} from './scripted-recognizer.js';
export { ToneSynthesizer, type ToneSynthesizerOptions } from './tone-synthesizer.js';
