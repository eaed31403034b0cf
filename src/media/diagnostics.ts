/**
 * Media timing published on node:diagnostics_channel, for tests and benchmarks that need to see
 * when agent audio really left the server (free when nobody subscribes).
 */
import diagnostics from 'node:diagnostics_channel';

export const AGENT_AUDIO_CHANNEL = 'parley:media:agent-audio';

export type AgentAudioDiagnostic =
  /** One 20 ms agent frame left the server. */
  | { kind: 'sent'; sessionId: string; transport: 'webrtc' | 'websocket'; atMs: number }
  /** Queued agent audio was dropped on the session's `interrupted` event. */
  | {
      kind: 'flushed';
      sessionId: string;
      transport: 'webrtc' | 'websocket';
      atMs: number;
      droppedFrames: number;
    };

const channel = diagnostics.channel(AGENT_AUDIO_CHANNEL);

/** performance.now() based, comparable across sessions of one process. */
export function publishAgentAudio(message: AgentAudioDiagnostic): void {
  if (channel.hasSubscribers) channel.publish(message);
}

export function hasAgentAudioSubscribers(): boolean {
  return channel.hasSubscribers;
}
