/**
 * Dead-peer and input-pacing settings of the media plane from the environment (`parley serve`):
 * PARLEY_WS_HEARTBEAT_MS, PARLEY_NO_AUDIO_TIMEOUT_MS, PARLEY_WS_MAX_SEND_BUFFER_BYTES,
 * PARLEY_PEER_TIMEOUT_MS and PARLEY_INPUT_BURST_MS; unset ones keep their defaults.
 */
import type { WebRtcTransportOptions } from './webrtc/webrtc-transport.js';
import type { WsLivenessOptions } from './websocket/ws-liveness.js';

/**
 * How the WebSocket transport watches its client and paces its audio. Kept apart from the
 * transport, so the public types (server options) never need the `ws` package's types.
 */
export interface WebSocketTuning {
  /** Heartbeats, no-audio timeout and send-buffer bounds (defaults in ws-liveness.ts). */
  liveness?: WsLivenessOptions;
  /** Caller audio accepted ahead of real time before the excess is dropped (`audio_too_fast`). Default 2000 ms. */
  inputBurstMs?: number;
}

export interface MediaTuning {
  websocket: WebSocketTuning;
  webrtc: Pick<WebRtcTransportOptions, 'peerTimeoutMs' | 'inputBurstMs'>;
}

export function mediaTuningFromEnv(env: NodeJS.ProcessEnv): MediaTuning {
  const heartbeatMs = msFromEnv(env, 'PARLEY_WS_HEARTBEAT_MS');
  const noAudioTimeoutMs = msFromEnv(env, 'PARLEY_NO_AUDIO_TIMEOUT_MS');
  const maxSendBufferBytes = msFromEnv(env, 'PARLEY_WS_MAX_SEND_BUFFER_BYTES');
  const peerTimeoutMs = msFromEnv(env, 'PARLEY_PEER_TIMEOUT_MS');
  const inputBurstMs = msFromEnv(env, 'PARLEY_INPUT_BURST_MS');
  const burst = inputBurstMs !== undefined ? { inputBurstMs } : {};
  return {
    websocket: {
      liveness: {
        ...(heartbeatMs !== undefined ? { heartbeatMs } : {}),
        ...(noAudioTimeoutMs !== undefined ? { noAudioTimeoutMs } : {}),
        ...(maxSendBufferBytes !== undefined ? { maxSendBufferBytes } : {}),
      },
      ...burst,
    },
    webrtc: { ...(peerTimeoutMs !== undefined ? { peerTimeoutMs } : {}), ...burst },
  };
}

/** A non-negative number from `env[name]`, or undefined when unset; throws on anything else. */
function msFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0, got '${raw}'`);
  return value;
}
