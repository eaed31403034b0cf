/**
 * What the control plane needs from a runtime: the embedded one, or in tests one built from
 * scripted engines. Named here so control/ depends on the shape, not on the embedded engines.
 */
export type {
  CreateSessionOptions as ControlSessionRequest,
  Runtime as ControlRuntime,
} from '../runtime/embedded.js';
