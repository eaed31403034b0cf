/**
 * The Realtime API's `turn_detection` (server_vad, semantic_vad) against Parley's turn-taking
 * options. Parley always runs its own VAD plus completeness-aware turn detector; these settings
 * tune it. Fields as documented at
 * https://platform.openai.com/docs/api-reference/realtime-client-events/session/update
 * (`session.audio.input.turn_detection`).
 */
import type { SessionOptions } from '../conversation/options.js';

export type TurnDetection =
  | {
      type: 'server_vad';
      threshold: number;
      prefix_padding_ms: number;
      silence_duration_ms: number;
      create_response: true;
      interrupt_response: true;
      idle_timeout_ms: number | null;
    }
  | {
      type: 'semantic_vad';
      eagerness: 'low' | 'medium' | 'high' | 'auto';
      create_response: true;
      interrupt_response: true;
    };

const EAGERNESS: Record<'low' | 'medium' | 'high' | 'auto', Partial<SessionOptions>> = {
  low: { silenceMs: 600, completeSilenceMs: 300, maxSilenceMs: 3000 },
  medium: {},
  auto: {},
  high: { silenceMs: 220, completeSilenceMs: 120, maxSilenceMs: 900 },
};

/** Parley options for a client's turn_detection; an error message when it cannot be honoured. */
export function turnDetectionOptions(
  value: unknown,
  base: SessionOptions,
): { options: Partial<SessionOptions>; detection: TurnDetection } | { error: string } {
  if (value === undefined) return { options: {}, detection: describeTurnDetection(base) };
  if (value === null)
    return { error: "turn_detection cannot be turned off: Parley's turn detector always runs" };
  if (typeof value !== 'object') return { error: 'turn_detection must be an object' };
  const td = value as Record<string, unknown>;
  if (td.type === 'semantic_vad') {
    const eagerness = td.eagerness ?? 'auto';
    if (eagerness !== 'low' && eagerness !== 'medium' && eagerness !== 'high' && eagerness !== 'auto')
      return { error: `unknown eagerness ${JSON.stringify(eagerness)}` };
    return {
      options: EAGERNESS[eagerness],
      detection: { type: 'semantic_vad', eagerness, create_response: true, interrupt_response: true },
    };
  }
  if (td.type === 'server_vad') {
    const options: Partial<SessionOptions> = {};
    if (td.threshold !== undefined) {
      if (typeof td.threshold !== 'number' || !(td.threshold > 0 && td.threshold < 1))
        return { error: 'threshold must be a number in (0, 1)' };
      options.speechThreshold = td.threshold;
    }
    if (td.prefix_padding_ms !== undefined) {
      if (
        typeof td.prefix_padding_ms !== 'number' ||
        !(td.prefix_padding_ms >= 0 && td.prefix_padding_ms <= 2000)
      )
        return { error: 'prefix_padding_ms must be a number in [0, 2000]' };
      options.preRollMs = td.prefix_padding_ms;
    }
    if (td.silence_duration_ms !== undefined) {
      const ms = td.silence_duration_ms;
      if (typeof ms !== 'number' || !(ms >= 50 && ms <= 10_000))
        return { error: 'silence_duration_ms must be a number in [50, 10000]' };
      // A fixed silence: Parley's shorter "sounds complete" wait and longer "sounds unfinished"
      // cap are kept around it rather than turned off.
      options.silenceMs = ms;
      options.completeSilenceMs = Math.min(base.completeSilenceMs, ms);
      options.maxSilenceMs = Math.max(base.maxSilenceMs, ms);
    }
    return { options, detection: describeTurnDetection({ ...base, ...options }) };
  }
  return { error: `unknown turn_detection type ${JSON.stringify(td.type)}; use server_vad or semantic_vad` };
}

/** How Parley's effective options read as a Realtime server_vad setting. */
export function describeTurnDetection(options: SessionOptions): TurnDetection {
  return {
    type: 'server_vad',
    threshold: options.speechThreshold,
    prefix_padding_ms: options.preRollMs,
    silence_duration_ms: options.silenceMs,
    create_response: true,
    interrupt_response: true,
    idle_timeout_ms: options.idleCheckInMs > 0 ? options.idleCheckInMs : null,
  };
}
