/**
 * What the control plane needs from a runtime: the engine runtime, or in tests one driven turn
 * by turn. Named here so control/ depends on the shape, not on particular engines.
 */
export { EngineChoiceError } from '../runtime/runtime.js';
export type {
  CreateSessionOptions as ControlSessionRequest,
  EngineOffer,
  Runtime as ControlRuntime,
  SessionEngineChoice,
} from '../runtime/runtime.js';
