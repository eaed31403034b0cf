/**
 * What the control plane needs from a runtime: the `Runtime` of src/runtime/embedded.ts satisfies
 * it, and so does a test runtime built from scripted engines.
 */
import type { AgentDefinition } from '../agent.js';
import type { Clock } from '../clock.js';
import type { SessionApi } from '../conversation/api.js';
import type { Brain } from '../engines/types.js';
import type { AuditSink } from '../tools/types.js';

export interface ControlSessionRequest {
  agent: AgentDefinition;
  id?: string;
  clock?: Clock;
  audit?: AuditSink;
  /** Partial session options (e.g. `{ greeting: true }`). */
  options?: Record<string, unknown>;
  brain?: Brain;
}

export interface ControlRuntime {
  createSession(opts: ControlSessionRequest): Promise<SessionApi>;
  close(): Promise<void>;
}
