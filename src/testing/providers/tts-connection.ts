/**
 * One accepted connection of the local TTS WebSocket servers (ElevenLabs, Cartesia): JSON
 * messages in, each recorded before it is handled; who closed the socket; and the drop and
 * stall failure modes, applied before an audio message goes out.
 */
import type WebSocket from 'ws';
import type { Synthesizer } from '../../engines/types.js';

export interface TtsServerOptions<F> {
  /** Speaks the text (16 kHz; the tests use the embedded flite voice slt). */
  synthesizer: Synthesizer;
  /** The key a client must send. Default 'test-key'. */
  apiKey?: string;
  /** Audio per message. */
  chunkMs?: number;
  /** Pause between words. Default 60 ms. */
  gapMs?: number;
  failure?: F;
}

export interface TtsServer<R extends RecordedTtsConnection, F> {
  /** Where to connect: ws://127.0.0.1:<port>… */
  url: string;
  /** Accepted connections, in order. */
  connections: R[];
  /** Statuses of refused handshakes, in order. */
  refused: number[];
  /** Changes the failure mode for what happens next. */
  setFailure(failure: F | undefined): void;
  close(): Promise<void>;
}

/** What is recorded of a connection. */
export interface RecordedTtsConnection {
  /** Messages received, parsed, with Date.now() at arrival. */
  messages: { at: number; message: Record<string, unknown> }[];
  /** Audio messages sent. */
  chunksSent: number;
  closed?: { code: number; by: 'client' | 'server' };
}

/** The server's side of a connection. */
export interface TtsConnection {
  /** Set before the server closes or drops the socket. */
  closingByServer: boolean;
  /** Stops all work: nothing more is sent. */
  halt(): void;
  receive(message: Record<string, unknown>): void;
}

/** The socket destroyed (no close frame), or nothing more sent, once this many audio messages went out. */
export type AudioCut = { kind: 'drop'; afterChunks: number } | { kind: 'stall'; afterChunks: number };

/**
 * Hands `ws`'s messages to `connection` and keeps it in `live` until the socket closes.
 * `onBadJson` answers a message that is not JSON (default: ignored).
 */
export function serveConnection<C extends TtsConnection>(
  ws: WebSocket,
  record: RecordedTtsConnection,
  connection: C,
  live: Set<C>,
  onBadJson?: () => void,
): void {
  live.add(connection);
  ws.on('message', (data) => {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(data.toString()) as Record<string, unknown>;
    } catch {
      onBadJson?.();
      return;
    }
    record.messages.push({ at: Date.now(), message });
    connection.receive(message);
  });
  ws.on('close', (code) => {
    record.closed = { code, by: connection.closingByServer ? 'server' : 'client' };
    connection.halt();
    live.delete(connection);
  });
  ws.on('error', () => {});
}

/** Applies a drop or stall due before the next audio message; true when nothing more may be sent. */
export function cutAudio(
  ws: WebSocket,
  connection: TtsConnection,
  record: RecordedTtsConnection,
  failure: { kind: string } | undefined,
): boolean {
  if (!isAudioCut(failure) || record.chunksSent < failure.afterChunks) return false;
  connection.halt();
  if (failure.kind === 'drop') {
    connection.closingByServer = true;
    ws.terminate();
  }
  return true;
}

function isAudioCut(failure: { kind: string } | undefined): failure is AudioCut {
  return failure?.kind === 'drop' || failure?.kind === 'stall';
}
