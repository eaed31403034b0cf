/**
 * The latency model of the LLM simulator: how long a reply takes to its first token and between
 * tokens, drawn from a seeded generator so a run can be repeated exactly. Pure functions only;
 * the server (`server.ts`) turns a plan into timed writes.
 */
import { createHash } from 'node:crypto';
import type { EngineParams } from '../engine.js';
import { EngineError } from '../types.js';

export interface SimLatency {
  /** Median time to first token, from the request's arrival. Default 500 ms. */
  ttftMs: number;
  /** Log-normal spread (σ of ln TTFT): 0 is always the median, 0.3 puts p95 at ≈1.6× the median. Default 0.3. */
  ttftSpread: number;
  /** Tokens per second after the first one. Default 40. */
  tps: number;
  /** Each gap between tokens varies by up to ± this fraction of 1000/tps. Default 0.2. */
  jitter: number;
  /** Probability that a reply is stuck in the slow tail (queueing, a cold replica). Default 0. */
  tailP: number;
  /** Extra delay before the first token of a tail reply. Default 2000 ms. */
  tailMs: number;
  /** Seeds every draw: the same seed and the same conversation give the same schedule. Default 1. */
  seed: number;
}

export const SIM_DEFAULTS: Readonly<SimLatency> = {
  ttftMs: 500,
  ttftSpread: 0.3,
  tps: 40,
  jitter: 0.2,
  tailP: 0,
  tailMs: 2000,
  seed: 1,
};

const ENGINE = 'sim';

/** Valid range of each parameter, checked when an engine spec is read. */
const RANGES: Record<keyof SimLatency, { min: number; max: number; integer?: boolean; text: string }> = {
  ttftMs: { min: 0, max: 600_000, text: 'ms ≥ 0' },
  ttftSpread: { min: 0, max: 3, text: '0–3' },
  tps: { min: 0.01, max: 100_000, text: '> 0' },
  jitter: { min: 0, max: 0.99, text: '0–0.99' },
  tailP: { min: 0, max: 1, text: '0–1' },
  tailMs: { min: 0, max: 600_000, text: 'ms ≥ 0' },
  seed: { min: 0, max: 2 ** 32 - 1, integer: true, text: 'an integer ≥ 0' },
};

/** One line naming every parameter with its range and default, for error messages. */
export function describeSimParams(): string {
  return (Object.keys(RANGES) as (keyof SimLatency)[])
    .map((k) => `${k} (${RANGES[k].text}, default ${SIM_DEFAULTS[k]})`)
    .join(', ');
}

/** The latency a spec's parameters ask for (`ttftMs=450,tps=40`), defaults for the rest. */
export function parseSimParams(params: EngineParams): SimLatency {
  const out: SimLatency = { ...SIM_DEFAULTS };
  for (const [key, raw] of Object.entries(params)) {
    if (!Object.hasOwn(RANGES, key)) {
      throw new EngineError(ENGINE, `unknown parameter '${key}'`, `use ${describeSimParams()}`);
    }
    const name = key as keyof SimLatency;
    const range = RANGES[name];
    const value = raw.trim() === '' ? Number.NaN : Number(raw);
    if (
      !Number.isFinite(value) ||
      value < range.min ||
      value > range.max ||
      (range.integer && !Number.isInteger(value))
    ) {
      throw new EngineError(
        ENGINE,
        `parameter ${name}=${raw} is out of range`,
        `give ${name} as ${range.text}; valid parameters: ${describeSimParams()}`,
      );
    }
    out[name] = value;
  }
  return out;
}

/** A small, fast, seedable generator (mulberry32): uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A standard normal draw (Box–Muller). */
function normal(random: () => number): number {
  const u = 1 - random(); // (0, 1]: log(0) would be -Infinity
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Text as an LLM tokenizer would roughly cut it: about four characters a token, a word's
 * leading space staying with it (" Order" → " Ord", "er"). Joining the tokens gives the text back.
 */
export function simTokens(text: string): string[] {
  const words = text.match(/\s*\S+\s*$|\s*\S+/g) ?? (text ? [text] : []);
  const out: string[] = [];
  for (const word of words) {
    const pieces = Math.max(1, Math.round(word.length / 4));
    const size = Math.ceil(word.length / pieces);
    for (let i = 0; i < word.length; i += size) out.push(word.slice(i, i + size));
  }
  return out;
}

/** When each token of one reply is sent, in ms from the request's arrival. */
export interface ReplyPlan {
  /** Time to the first token (tail included). */
  firstTokenMs: number;
  /** Whether this reply drew the slow tail. */
  tail: boolean;
  /** Offsets of every token from the request's arrival; [0] is `firstTokenMs`. */
  tokenAtMs: number[];
}

/**
 * The schedule of a reply of `tokens` tokens. `key` names the request (the conversation and
 * how often it was asked before): the draw depends only on the seed and the key, so two runs
 * over the same calls meet the same latencies whatever else runs alongside.
 */
export function planReply(latency: SimLatency, key: string, tokens: number): ReplyPlan {
  const digest = createHash('sha256').update(`${latency.seed}\n${key}`).digest();
  const random = seededRandom(digest.readUInt32LE(0));
  const ttft = latency.ttftMs * Math.exp(latency.ttftSpread * normal(random));
  const tail = random() < latency.tailP;
  const firstTokenMs = ttft + (tail ? latency.tailMs : 0);
  const gapMs = 1000 / latency.tps;
  const tokenAtMs: number[] = [];
  let at = firstTokenMs;
  for (let i = 0; i < Math.max(1, tokens); i++) {
    if (i > 0) at += gapMs * (1 + latency.jitter * (2 * random() - 1));
    tokenAtMs.push(at);
  }
  return { firstTokenMs, tail, tokenAtMs };
}
