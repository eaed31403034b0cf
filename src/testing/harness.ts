/**
 * A whole call on a virtual clock with the scripted engines: the caller's audio is fed frame by
 * frame in (virtual) real time, the agent's frames are collected with their emission times.
 * Used by the conversation tests and available to other teams' tests.
 */
import type { AgentDefinition, TurnWords } from '../agent.js';
import type { AudioFrame } from '../audio/frame.js';
import { VirtualClock } from '../clock.js';
import { EnergyVad } from './engines/energy-vad.js';
import { ScriptedBrain, type ScriptedReply } from './engines/scripted-brain.js';
import { ScriptedRecognizer, type ScriptedUtterance } from './engines/scripted-recognizer.js';
import { ToneSynthesizer, type ToneSynthesizerOptions } from './engines/tone-synthesizer.js';
import type { Brain } from '../engines/types.js';
import { createToolGateway } from '../tools/gateway.js';
import type { AuditEntry, ToolDefinition } from '../tools/types.js';
import type { SessionEvent, SessionEventType } from '../conversation/events.js';
import type { SessionOptions } from '../conversation/options.js';
import { Session, type SessionDeps } from '../conversation/session.js';

export interface HarnessOptions {
  /**
   * The agent under test: its persona, greeting, tools, turn words, facts, prefetch and (unless
   * `brain` or `replies` is given) its own brain. The options below override its parts.
   */
  agent?: AgentDefinition;
  /** What the recognizer hears, utterance by utterance. */
  script?: (string | ScriptedUtterance)[];
  replies?: ScriptedReply[];
  brain?: Brain;
  brainFirstTokenMs?: number;
  // biome-ignore lint/suspicious/noExplicitAny: tool argument types differ per tool
  tools?: ToolDefinition<any, any>[];
  options?: Partial<SessionOptions>;
  synth?: Omit<ToneSynthesizerOptions, 'clock'>;
  greeting?: string;
  extractFacts?(text: string): Record<string, string>;
  prepare?: SessionDeps['prepare'];
  /** Domain words for the end-of-turn judgement. */
  turnWords?: TurnWords;
  /** Agent audio leaking back into the mic: linear gain and delay. */
  echo?: { gain: number; delayMs: number };
  /** Voiced audio per recognized word. Default 100 ms. */
  msPerWord?: number;
}

export const FRAME = 320;

/** `{ key: value }` when the value is set, else nothing (exactOptionalPropertyTypes-friendly spreads). */
function pick<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * The caller's "voice": deterministic noise. Unlike a tone it shares nothing with the agent's
 * tone voice, as real voices do not, so the echo gate can tell them apart.
 */
function voice(n: number, amplitude: number, seed: { value: number }): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    seed.value = (seed.value * 1_103_515_245 + 12_345) % 2 ** 31;
    out[i] = Math.round(amplitude * 32767 * (seed.value / 2 ** 30 - 1));
  }
  return out;
}

export function createHarness(opts: HarnessOptions = {}) {
  const clock = new VirtualClock();
  const recognizer = new ScriptedRecognizer({
    clock,
    script: opts.script ?? [],
    msPerWord: opts.msPerWord ?? 100,
  });
  const scripted = new ScriptedBrain({
    clock,
    replies: opts.replies ?? [[{ text: 'Okay.' }]],
    firstTokenMs: opts.brainFirstTokenMs ?? 50,
  });
  const own = opts.agent;
  const brain = opts.brain ?? (opts.replies || !own?.createBrain ? scripted : own.createBrain());
  const synthesizer = new ToneSynthesizer({ clock, ...opts.synth });
  const audit: AuditEntry[] = [];
  const tools = createToolGateway({
    sessionId: 's',
    tools: opts.tools ?? own?.tools ?? [],
    audit: { record: (e) => audit.push(e) },
    clock,
  });
  const session = new Session(
    {
      id: 's',
      clock,
      vad: new EnergyVad(),
      recognizer,
      synthesizer,
      brain,
      tools,
      agent: {
        persona: own?.persona ?? 'You are a helpful parcel assistant.',
        ...pick('greeting', opts.greeting ?? own?.greeting),
        ...pick('extractFacts', opts.extractFacts ?? own?.extractFacts?.bind(own)),
        ...pick('turnWords', opts.turnWords ?? own?.turnWords),
      },
      ...pick('prepare', opts.prepare ?? own?.prepare?.bind(own)),
    },
    { idleCheckInMs: 0, ...opts.options },
  );
  const events: SessionEvent[] = [];
  const agentFrames: AudioFrame[] = [];
  session.onEvent((e) => events.push(e));
  session.onAgentAudio((f) => agentFrames.push(f));
  const seed = { value: 1 };

  /** Agent samples emitted at media time `atMs` (for the echo leak). */
  const agentAt = (atMs: number): Int16Array | undefined =>
    agentFrames.find((f) => f.startMs === atMs)?.samples;

  async function feed(ms: number, amplitude: number): Promise<void> {
    for (let t = 0; t < ms; t += 20) {
      const samples = amplitude > 0 ? voice(FRAME, amplitude, seed) : new Int16Array(FRAME);
      if (opts.echo) {
        const leak = agentAt(clock.now() - opts.echo.delayMs);
        if (leak)
          for (let i = 0; i < FRAME; i++)
            samples[i] = Math.max(
              -32768,
              Math.min(32767, (samples[i] as number) + opts.echo.gain * (leak[i] as number)),
            );
      }
      session.pushAudio({ samples, sampleRate: 16_000, startMs: clock.now() });
      await clock.advance(20);
    }
  }

  return {
    clock,
    session,
    recognizer,
    brain: scripted,
    synthesizer,
    tools,
    audit,
    events,
    agentFrames,
    /** The caller speaks (a voiced tone) for `ms`. */
    say: (ms: number, amplitude = 0.3) => feed(ms, amplitude),
    /** The caller is silent for `ms` (the mic still delivers frames). */
    silence: (ms: number) => feed(ms, 0),
    of<T extends SessionEventType>(type: T): Extract<SessionEvent, { type: T }>[] {
      return events.filter((e): e is Extract<SessionEvent, { type: T }> => e.type === type);
    },
    first<T extends SessionEventType>(type: T): Extract<SessionEvent, { type: T }> | undefined {
      return events.find((e): e is Extract<SessionEvent, { type: T }> => e.type === type);
    },
  };
}

export type Harness = ReturnType<typeof createHarness>;
