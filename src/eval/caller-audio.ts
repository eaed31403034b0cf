/**
 * The caller's voice and surroundings, rendered before the call starts so the caller's own
 * synthesis never competes with the agent for CPU while the call runs.
 */
import { SESSION_SAMPLE_RATE } from '../audio/frame.js';
import { peak, rms } from '../audio/level.js';
import { resample } from '../audio/resampler.js';
import type { Synthesizer } from '../index.js';
import { makeNoise, speechBounds } from './noise.js';
import type { CallerVoice, Scenario } from './scenario.js';
import type { StepAudio } from './simulator.js';

/** Speech for the caller at 16 kHz mono. */
export interface CallerSpeechSource {
  speak(text: string, voice: CallerVoice, rate: number): Promise<Int16Array>;
}

/** Lines mixed into babble, each in a different voice. */
const BABBLE_LINES: [string, CallerVoice][] = [
  ['I told him the meeting was moved to three, but nobody wrote it down.', 'awb'],
  ['Could you pass me the other folder, the blue one on the desk?', 'rms'],
  ['We should probably order lunch before everyone gets back.', 'kal16'],
  ['The weather was lovely this morning, and then it rained all afternoon.', 'slt'],
];

/**
 * Caller speech from Parley's synthesizers, cached per voice, rate and text (a suite repeats
 * lines), made by the factory it is given (the embedded voices, in `embedded.ts`).
 */
export class TtsCallerSpeech implements CallerSpeechSource {
  private readonly synthesizers = new Map<string, Promise<Synthesizer>>();
  private readonly cache = new Map<string, Promise<Int16Array>>();

  constructor(
    private readonly createSynthesizer: (voice: CallerVoice, opts: { rate: number }) => Promise<Synthesizer>,
  ) {}

  speak(text: string, voice: CallerVoice, rate: number): Promise<Int16Array> {
    const key = `${voice}|${rate}|${text}`;
    let audio = this.cache.get(key);
    if (!audio) {
      audio = this.render(text, voice, rate);
      this.cache.set(key, audio);
      audio.catch(() => this.cache.delete(key));
    }
    return audio;
  }

  private synthesizer(voice: CallerVoice, rate: number): Promise<Synthesizer> {
    const key = `${voice}|${rate}`;
    let synth = this.synthesizers.get(key);
    if (!synth) {
      synth = this.createSynthesizer(voice, { rate });
      this.synthesizers.set(key, synth);
    }
    return synth;
  }

  private async render(text: string, voice: CallerVoice, rate: number): Promise<Int16Array> {
    const synth = await this.synthesizer(voice, rate);
    const chunks: Int16Array[] = [];
    let rateOfChunks = synth.sampleRate;
    for await (const frame of synth.synthesize(text, new AbortController().signal)) {
      chunks.push(frame.samples);
      rateOfChunks = frame.sampleRate;
    }
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const joined = new Int16Array(total);
    let at = 0;
    for (const c of chunks) {
      joined.set(c, at);
      at += c.length;
    }
    return rateOfChunks === SESSION_SAMPLE_RATE
      ? joined
      : resample(joined, rateOfChunks, SESSION_SAMPLE_RATE);
  }

  async close(): Promise<void> {
    for (const synth of this.synthesizers.values()) await (await synth).close?.();
    this.synthesizers.clear();
  }
}

/** Scales a clip so its speech part has RMS `levelDbfs`, never clipping (the gain stops at full scale). */
function atLevel(samples: Int16Array, start: number, end: number, levelDbfs: number): Int16Array {
  const current = rms(samples.subarray(start, end));
  const loudest = peak(samples);
  if (current === 0 || loudest === 0) return samples;
  const gain = Math.min(10 ** (levelDbfs / 20) / current, 0.999 / loudest);
  return samples.map((v) => Math.round(v * gain));
}

async function speechAudio(
  source: CallerSpeechSource,
  text: string,
  voice: CallerVoice,
  rate: number,
  levelDbfs: number,
): Promise<StepAudio> {
  const raw = await source.speak(text, voice, rate);
  const { start, end } = speechBounds(raw, SESSION_SAMPLE_RATE);
  if (end <= start) throw new Error(`caller speech for "${text}" (${voice}) came out silent`);
  return { samples: atLevel(raw, start, end, levelDbfs), speechStart: start, speechEnd: end };
}

/** Renders every sound the caller will make in this scenario, by step index. */
export async function prepareCallerAudio(
  scenario: Scenario,
  source: CallerSpeechSource,
): Promise<Map<number, StepAudio>> {
  const audio = new Map<number, StepAudio>();
  for (const [index, step] of scenario.steps.entries()) {
    switch (step.type) {
      case 'say':
      case 'interrupt':
        audio.set(
          index,
          await speechAudio(
            source,
            step.text,
            step.voice ?? scenario.voice,
            step.rate ?? scenario.rate,
            scenario.callerLevelDbfs,
          ),
        );
        break;
      case 'backchannel':
        audio.set(
          index,
          await speechAudio(
            source,
            step.text,
            step.voice ?? scenario.voice,
            scenario.rate,
            scenario.callerLevelDbfs,
          ),
        );
        break;
      case 'noise': {
        const babbleVoices =
          step.kind === 'babble'
            ? await Promise.all(BABBLE_LINES.map(([line, voice]) => source.speak(line, voice, 1)))
            : undefined;
        const samples = makeNoise({
          kind: step.kind,
          levelDbfs: step.levelDbfs,
          sampleRate: SESSION_SAMPLE_RATE,
          seed: index + 1,
          ...(step.ms !== undefined ? { ms: step.ms } : {}),
          ...(babbleVoices ? { babbleVoices } : {}),
        });
        audio.set(index, { samples, speechStart: 0, speechEnd: samples.length });
        break;
      }
      default:
        break;
    }
  }
  return audio;
}
