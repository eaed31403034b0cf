/**
 * Parley's public API (`parley-voice`). Everything exported here is a promise to users; the test
 * kit is the second entry, `parley-voice/testing`.
 */
export {
  type Agent,
  type AgentBody,
  type AgentContext,
  type AgentDefinition,
  type AgentSpec,
  defineAgent,
  isAgent,
  type PinnedFacts,
  type PreparedCall,
  type TurnWords,
} from './agent.js';
export { defineTool, type ToolKind, type ToolSpec as ToolSpecInput } from './tools/define.js';
export {
  DEFAULT_TENANT,
  type ToolContext,
  type ToolDefinition,
  type ToolOutcomeStatus,
} from './tools/types.js';
export type { AudioFrame } from './audio/frame.js';
export { SESSION_SAMPLE_RATE } from './audio/frame.js';
export { type Clock, SystemClock, VirtualClock } from './clock.js';
export { type SessionApi, sessionEvents } from './conversation/api.js';
export type {
  SessionEvent,
  SessionEventType,
  SessionState,
  TurnMarks,
  TurnTrace,
} from './conversation/events.js';
export type { SessionOptions } from './conversation/options.js';
export {
  type Brain,
  type BrainContext,
  type BrainDelta,
  type ChatMessage,
  type ChatRole,
  EngineError,
  type Recognition,
  type RecognitionOptions,
  type Recognizer,
  type Synthesizer,
  type ToolCallRequest,
  type ToolSpec,
  type Transcript,
  type Vad,
} from './engines/types.js';
export { type Db, openDatabase } from './store/database.js';
export {
  type CreateSessionOptions,
  createRuntime,
  EngineChoiceError,
  type EngineOffer,
  type EngineRef,
  type Runtime,
  type RuntimeEngines,
  type RuntimeOptions,
  type SessionEngineChoice,
} from './runtime/runtime.js';
export { createEmbeddedRuntime, EMBEDDED_ENGINES, type EmbeddedRuntimeOptions } from './runtime/embedded.js';
export type {
  BrainEngine,
  BrainOwner,
  EngineFactory,
  EngineFallbackEvent,
  EngineKind,
  EngineParams,
  EngineSettings,
  RecognizerDomain,
  RecognizerEngine,
  SessionEngineContext,
  SynthesizerEngine,
  VadEngine,
} from './engines/engine.js';
export { describeEngines, engineNames, registerEngine } from './engines/catalog.js';
export type { BrainCapabilities, SpeechFrame, WordTiming } from './engines/types.js';
export { type ParleyServer, type ServerOptions, createServer } from './control/server.js';
export { type RuleMove, ruleBrain, wordChunks } from './engines/rule-brain.js';
export { readToolResult, type ToolResult, toolResultContent } from './conversation/tool-message.js';
