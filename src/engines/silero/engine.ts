/** Silero v5 as a VAD engine: the model loads once, each session gets its own recurrent state. */
import type { EngineFactory } from '../engine.js';
import { SileroVadModel } from './silero-vad.js';

export const sileroVadEngine: EngineFactory<'vad'> = async () => {
  const model = await SileroVadModel.load();
  return {
    name: 'silero',
    createVad: () => model.createVad(),
    close: () => model.close(),
  };
};
