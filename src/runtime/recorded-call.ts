/**
 * A recorded caller played into a live session in real time: one 20 ms frame per 20 ms of wall
 * clock (so engine compute counts, as on a phone line), then silence until the agent is done.
 * Both sides are kept on the session timeline for a stereo recording of the call.
 */
import { FRAME_MS, SESSION_SAMPLE_RATE, samplesForMs } from '../audio/frame.js';
import { splitFrames } from '../audio/signals.js';
import { type Clock, SystemClock } from '../clock.js';
import type { SessionApi } from '../conversation/api.js';
import type { SessionEvent, SessionState, TurnTrace } from '../conversation/events.js';

export interface RecordedCallOptions {
  /** Caller audio, 16 kHz mono. */
  samples: Int16Array;
  /** Makes the session on `clock` (its timeline starts when the caller's audio does). */
  createSession(clock: Clock): Promise<SessionApi>;
  /** After the recording ends, the agent must have been quiet and listening this long to end the call. Default 2000 ms. */
  settleMs?: number;
  /** Longest the call runs on after the recording ends, whatever the agent does. Default 20000 ms. */
  maxTailMs?: number;
  /** Default: a fresh SystemClock (real time). */
  clock?: Clock;
  onEvent?(event: SessionEvent): void;
}

export interface RecordedCallResult {
  traces: TurnTrace[];
  /** Caller audio as sent, 16 kHz, including the silence fed after the recording. */
  caller: Int16Array;
  /** Agent audio placed at its emission times on the session timeline, 16 kHz. */
  agent: Int16Array;
  /** Session clock time of the recording's first sample, in ms (turn marks are on this clock). */
  originMs: number;
  /** How long the call lasted, in ms. */
  durationMs: number;
  errors: string[];
}

/** Events that mean the conversation is still moving (anything but settling back to listening). */
function isActivity(event: SessionEvent): boolean {
  if (event.type === 'state') return event.state !== 'listening';
  return event.type !== 'usage';
}

/** Collects agent frames by their media time into one growing track. */
class AgentTrack {
  private buffer = new Int16Array(SESSION_SAMPLE_RATE * 30);
  private end = 0;

  add(startMs: number, samples: Int16Array): void {
    const at = Math.max(0, samplesForMs(startMs, SESSION_SAMPLE_RATE));
    const needed = at + samples.length;
    if (needed > this.buffer.length) {
      const grown = new Int16Array(Math.max(needed, this.buffer.length * 2));
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer.set(samples, at);
    this.end = Math.max(this.end, needed);
  }

  samples(length: number): Int16Array {
    const out = new Int16Array(Math.max(length, this.end));
    out.set(this.buffer.subarray(0, this.end));
    return out;
  }
}

export async function runRecordedCall(opts: RecordedCallOptions): Promise<RecordedCallResult> {
  const clock = opts.clock ?? new SystemClock();
  const settleMs = opts.settleMs ?? 2000;
  const maxTailMs = opts.maxTailMs ?? 20_000;
  const frameSamples = samplesForMs(FRAME_MS, SESSION_SAMPLE_RATE);
  const session = await opts.createSession(clock);

  const agent = new AgentTrack();
  // The recording's first sample is time zero of the stereo tracks.
  let originMs = clock.now();
  const errors: string[] = [];
  let state: SessionState = session.state;
  let lastActivityMs = clock.now();
  const stopAudio = session.onAgentAudio((frame) => {
    agent.add(frame.startMs - originMs, frame.samples);
    lastActivityMs = clock.now();
  });
  const stopEvents = session.onEvent((event) => {
    if (event.type === 'state') state = event.state;
    if (event.type === 'error') errors.push(event.message);
    if (isActivity(event)) lastActivityMs = clock.now();
    opts.onEvent?.(event);
  });

  const frames = splitFrames(opts.samples, SESSION_SAMPLE_RATE, FRAME_MS, 0);
  originMs = clock.now();
  session.start();
  let sent = 0;
  const deadline = (n: number) => originMs + n * FRAME_MS;
  const pace = async (n: number) => {
    const wait = deadline(n) - clock.now();
    if (wait > 0) await clock.sleep(wait);
  };

  for (const frame of frames) {
    await pace(sent);
    session.pushAudio({ samples: frame.samples, sampleRate: SESSION_SAMPLE_RATE, startMs: deadline(sent) });
    sent++;
  }
  const recordingEndMs = deadline(sent);
  const quiet = new Int16Array(frameSamples);
  for (;;) {
    await pace(sent);
    const now = clock.now();
    const idle =
      state === 'listening' && now - lastActivityMs >= settleMs && now - recordingEndMs >= settleMs;
    if (idle || now - recordingEndMs >= maxTailMs || state === 'ended') break;
    session.pushAudio({ samples: quiet, sampleRate: SESSION_SAMPLE_RATE, startMs: deadline(sent) });
    sent++;
  }
  const durationMs = clock.now() - originMs;
  await session.close('call finished');
  stopAudio();
  stopEvents();

  const caller = new Int16Array(sent * frameSamples);
  caller.set(opts.samples.subarray(0, caller.length));
  return {
    traces: session.traces(),
    caller,
    agent: agent.samples(caller.length),
    originMs,
    durationMs,
    errors,
  };
}
