/**
 * `parley-voice/testing`: the test kit. A whole call on a virtual clock (`createHarness`),
 * deterministic clock-driven engines (energy VAD, scripted recognizer and brain, tone voice) and
 * runtimes built on them, so an agent's tests run without models, sockets or wall time.
 */
export * from './engines/engines.js';
export { createHarness, FRAME, type Harness, type HarnessOptions } from './harness.js';
export {
  DrivenRuntime,
  DrivenSession,
  ScriptedRuntime,
  type ScriptedRuntimeOptions,
} from './control-runtime.js';
export { type ScriptedEnginesOptions, scriptedEngines } from './scripted-engines.js';
