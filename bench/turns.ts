/**
 * bench:turns — generated callers (several flite voices and requests) call the package tracker
 * in real time with the embedded engines, as `parley call` does. Prints time to first audio
 * (TTFA) p50/p95 over all turns and, separately, Parley's orchestration overhead: the time
 * between an engine's output and the next engine's input, measured by wrapping the brain and
 * the synthesizer (engine compute itself is excluded).
 *
 *   npm run bench:turns [-- --rounds 2 --voice slt]
 */
import { parseArgs } from 'node:util';
import { loadAgent } from '../src/apps/load-agent.js';
import type { AudioFrame } from '../src/audio/frame.js';
import { type Clock, SystemClock } from '../src/clock.js';
import type { TurnTrace } from '../src/conversation/events.js';
import { createSynthesizer, isVoiceName } from '../src/engines/tts.js';
import type { Brain, BrainContext, BrainDelta, Synthesizer } from '../src/engines/types.js';
import { type CallerScript, composeCaller, voicedStretchEnds } from '../src/runtime/caller-audio.js';
import { createEmbeddedRuntime } from '../src/runtime/embedded.js';
import { runRecordedCall } from '../src/runtime/recorded-call.js';
import { recordedCallOptions } from '../src/cli/call.js';

const CALLERS: CallerScript[] = [
  {
    voice: 'rms',
    parts: [
      { pauseMs: 400 },
      'Where is my order number four two one nine?',
      { pauseMs: 7000 },
      'Can you text me the tracking link?',
      { pauseMs: 7000 },
    ],
  },
  {
    voice: 'awb',
    parts: [
      { pauseMs: 400 },
      'Hello.',
      { pauseMs: 3500 },
      'I want to cancel my order.',
      { pauseMs: 4000 },
      'Five six seven eight.',
      { pauseMs: 4000 },
      'Yes.',
      { pauseMs: 4000 },
    ],
  },
  {
    voice: 'kal16',
    parts: [
      { pauseMs: 400 },
      'When will my package arrive? The order number is one zero zero one.',
      { pauseMs: 6000 },
      'Thank you, goodbye.',
      { pauseMs: 3000 },
    ],
  },
  {
    voice: 'rms',
    parts: [{ pauseMs: 400 }, 'Can I talk to a person?', { pauseMs: 5000 }],
  },
];

/** Engine calls seen by the wrappers, on the session clock. */
interface EngineLog {
  brainCalls: { startMs: number; firstDeltaMs?: number; endMs?: number }[];
  synthCalls: { startMs: number; firstFrameMs?: number }[];
}

function timedBrain(inner: Brain, clock: () => Clock, log: EngineLog): Brain {
  return {
    name: inner.name,
    async *respond(ctx: BrainContext, signal: AbortSignal): AsyncIterable<BrainDelta> {
      const call: EngineLog['brainCalls'][number] = { startMs: clock().now() };
      log.brainCalls.push(call);
      for await (const delta of inner.respond(ctx, signal)) {
        call.firstDeltaMs ??= clock().now();
        yield delta;
      }
      call.endMs = clock().now();
    },
  };
}

function timedSynthesizer(inner: Synthesizer, clock: () => Clock, log: EngineLog): Synthesizer {
  return {
    sampleRate: inner.sampleRate,
    voice: inner.voice,
    async *synthesize(text: string, signal: AbortSignal): AsyncIterable<AudioFrame> {
      const call: EngineLog['synthCalls'][number] = { startMs: clock().now() };
      log.synthCalls.push(call);
      for await (const frame of inner.synthesize(text, signal)) {
        call.firstFrameMs ??= clock().now();
        yield frame;
      }
    },
  };
}

/** The parts of one turn where Parley, not an engine, holds the audio path (ms). */
interface Overhead {
  finalToBrain: number;
  clauseToTts: number;
  audioToPlayout: number;
  total: number;
}

function overheadOf(trace: TurnTrace, log: EngineLog): Overhead | undefined {
  const m = trace.marks;
  if (m.committed === undefined || m.firstClause === undefined || m.playoutStart === undefined)
    return undefined;
  const heardAt = Math.max(m.committed, m.sttFinal ?? m.committed);
  const brain = log.brainCalls.find((c) => c.startMs >= m.committed! - 1 && c.startMs <= m.playoutStart!);
  const synth = log.synthCalls.find((c) => c.startMs >= m.firstClause! - 1 && c.startMs <= m.playoutStart!);
  if (!brain || !synth?.firstFrameMs) return undefined;
  const finalToBrain = Math.max(0, brain.startMs - heardAt);
  const clauseToTts = Math.max(0, synth.startMs - m.firstClause);
  const audioToPlayout = Math.max(0, m.playoutStart - synth.firstFrameMs);
  return { finalToBrain, clauseToTts, audioToPlayout, total: finalToBrain + clauseToTts + audioToPlayout };
}

/**
 * Where the caller really stopped before a turn: the last voiced stretch of the recording that
 * ended before the VAD's speech end (plus its hangover), on the session clock.
 */
function trueSpeechEnd(trace: TurnTrace, stretchEndsMs: number[], originMs: number): number | undefined {
  const vadEnd = trace.marks.speechEnd;
  if (vadEnd === undefined) return undefined;
  const ended = stretchEndsMs.filter((end) => originMs + end <= vadEnd + 100);
  const last = ended[ended.length - 1];
  return last !== undefined ? originMs + last : undefined;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

function row(label: string, values: number[], ps: number[]): string {
  const cells = ps.map((p) => `p${p} ${percentile(values, p).toFixed(1).padStart(7)} ms`);
  return `  ${label.padEnd(28)} ${cells.join('   ')}   (n=${values.length})`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '1' }, voice: { type: 'string', default: 'slt' } },
  });
  const rounds = Number(values.rounds);
  const voice = values.voice ?? 'slt';
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
  if (!isVoiceName(voice)) throw new Error(`unknown voice '${voice}'`);

  console.log(
    `bench:turns — ${CALLERS.length} generated callers × ${rounds} round(s), agent voice ${voice}, real time`,
  );
  const audio = await Promise.all(CALLERS.map((c) => composeCaller(c)));
  const stretchEnds = audio.map((a) => voicedStretchEnds(a.samples));
  const runtime = await createEmbeddedRuntime({ voice, dataDir: '.parley' });
  // The callers below ask the reference agent's questions.
  const tracker = await loadAgent('package-tracker');
  const synthesizer = await createSynthesizer(voice);
  const ttfa: number[] = [];
  const trueTtfa: number[] = [];
  const overheads: Overhead[] = [];
  let turnsWithoutAudio = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [i, caller] of audio.entries()) {
        const agent = await tracker.create({ dataDir: '.parley', ephemeral: true });
        await runtime.prepare?.(agent);
        const log: EngineLog = { brainCalls: [], synthCalls: [] };
        const clock = new SystemClock();
        const result = await runRecordedCall({
          samples: caller.samples,
          clock,
          createSession: (c) =>
            runtime.createSession({
              agent,
              clock: c,
              options: recordedCallOptions(false),
              wrapBrain: (brain) => timedBrain(brain, () => clock, log),
              synthesizer: timedSynthesizer(synthesizer, () => clock, log),
            }),
        });
        await agent.close?.();
        console.log(
          `  call ${round * audio.length + i + 1} (${CALLERS[i]?.voice}): ${result.traces.length} turns`,
        );
        for (const trace of result.traces) {
          const tools = trace.tools.map((t) => `${t.name} ${JSON.stringify(t.args)} ${t.status}`).join('; ');
          const truth = trueSpeechEnd(trace, stretchEnds[i] ?? [], result.originMs);
          const playout = trace.marks.playoutStart;
          const measured = trace.ttfaMs === undefined ? 'no audio' : `TTFA ${Math.round(trace.ttfaMs)} ms`;
          const fromTruth =
            truth !== undefined && playout !== undefined
              ? `, ${Math.round(playout - truth)} ms from true end`
              : '';
          console.log(`    "${trace.userText}" ${tools ? `→ ${tools} ` : ''}(${measured}${fromTruth})`);
          if (trace.ttfaMs === undefined) {
            turnsWithoutAudio++;
            continue;
          }
          ttfa.push(trace.ttfaMs);
          if (truth !== undefined && playout !== undefined) trueTtfa.push(playout - truth);
          const o = overheadOf(trace, log);
          if (o) overheads.push(o);
        }
        for (const e of result.errors) console.log(`    session error: ${e}`);
      }
    }
  } finally {
    await synthesizer.close?.();
    await runtime.close();
  }

  console.log('\nTime to first audio (speech end → first agent audio out):');
  console.log(row('TTFA (VAD speech end)', ttfa, [50, 95]));
  console.log(row('TTFA (true speech end)', trueTtfa, [50, 95]));
  if (turnsWithoutAudio > 0) console.log(`  (${turnsWithoutAudio} turns without agent audio left out)`);
  console.log('\nOrchestration overhead (Parley between engine output and next engine input):');
  console.log(
    row(
      'STT final → brain call',
      overheads.map((o) => o.finalToBrain),
      [50, 99],
    ),
  );
  console.log(
    row(
      'first clause → TTS call',
      overheads.map((o) => o.clauseToTts),
      [50, 99],
    ),
  );
  console.log(
    row(
      'TTS first audio → playout',
      overheads.map((o) => o.audioToPlayout),
      [50, 99],
    ),
  );
  console.log(
    row(
      'total per turn',
      overheads.map((o) => o.total),
      [50, 99],
    ),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
