/**
 * Tuning of one Twilio media stream. Kept apart from the stream itself so the server's public
 * options (`ServerOptions.phone`) never pull the WebSocket library's types into users' builds.
 */
import type { SessionApi } from '../../conversation/api.js';
import type { MediaLogger } from '../plane.js';

export interface TwilioStreamOptions {
  /** Resolves the token from `start.customParameters.token` to its session; throws to refuse. */
  authorize(token: string | undefined): Promise<SessionApi>;
  log?: MediaLogger;
  /** A socket that sends no `start` within this is closed. Default 10000 ms. */
  startTimeoutMs?: number;
  /** A connected call that receives nothing for this long is over (the socket vanished). Default 3000 ms. */
  inactivityTimeoutMs?: number;
  /** Digits keyed without `#` are submitted after this pause. Default 1500 ms. */
  dtmfTimeoutMs?: number;
  /** A mark follows every this many agent frames (and the end of each turn's audio). Default 5 (100 ms). */
  markEveryFrames?: number;
  /** Output latency assumed until the first mark comes back. Default 150 ms. */
  initialOutputLatencyMs?: number;
  /** Called once the session is bound (for bookkeeping). */
  onSession?(session: SessionApi): void;
  /** Called once when the call is over, with the reason. */
  onClosed?(reason: string): void;
}
