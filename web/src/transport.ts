/** What the page needs from a call transport, WebRTC or WebSocket alike. */
export interface CallTransport {
  readonly kind: 'webrtc' | 'websocket';
  /** Sends a JSON control message (heard, latency, hangup…). */
  send(message: object): void;
  /** RMS (0..1) of the agent audio as the page plays it. */
  remoteRms(): number;
  /** The client's playout delay estimate (jitter buffer + device), in ms, when known. */
  playoutDelayMs(): Promise<number | undefined>;
  /** Drops agent audio the page has buffered but not played (barge-in). */
  flushPlayback(): void;
  /** Lets agent audio be heard again after a flush (a new reply started). */
  resumePlayback?(): void;
  close(): Promise<void>;
}

export interface TransportCallbacks {
  onMessage(message: Record<string, unknown>): void;
  onConnection(state: string): void;
}

export const MIC_CONSTRAINTS: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
  video: false,
};
