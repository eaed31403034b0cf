/**
 * Prometheus export. Each server owns its registry (no global state), so several servers — e.g.
 * in tests — never share or double-register counters.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** TTFA buckets (ms): the interesting range is 200–1500 ms. */
const TTFA_BUCKETS_MS = [100, 200, 300, 400, 500, 600, 800, 1000, 1500, 2000, 3000, 5000];

export class ParleyMetrics {
  readonly registry = new Registry();
  readonly sessionsActive: Gauge;
  readonly sessionsTotal: Counter<'agent'>;
  readonly sessionsEnded: Counter<'reason'>;
  readonly turns: Counter;
  readonly ttfaMs: Histogram;
  readonly interruptions: Counter;
  readonly toolCalls: Counter<'tool' | 'outcome'>;
  readonly engineErrors: Counter;
  readonly engineFallbacks: Counter<'kind' | 'from' | 'to'>;
  readonly costUsd: Counter;
  readonly sttAudioSeconds: Counter;
  readonly brainTokens: Counter<'direction'>;
  readonly ttsChars: Counter;
  readonly tokensRefused: Counter<'code'>;

  constructor(opts: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
    this.sessionsActive = new Gauge({ name: 'parley_sessions_active', help: 'Sessions live now', registers });
    this.sessionsTotal = new Counter({
      name: 'parley_sessions_total',
      help: 'Sessions created',
      labelNames: ['agent'],
      registers,
    });
    this.sessionsEnded = new Counter({
      name: 'parley_sessions_ended_total',
      help: 'Sessions ended, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.turns = new Counter({ name: 'parley_turns_total', help: 'User turns answered', registers });
    this.ttfaMs = new Histogram({
      name: 'parley_ttfa_ms',
      help: 'Time to first agent audio (playout or heard start minus caller speech end), ms',
      buckets: TTFA_BUCKETS_MS,
      registers,
    });
    this.interruptions = new Counter({
      name: 'parley_interruptions_total',
      help: 'Agent replies cut by the caller',
      registers,
    });
    this.toolCalls = new Counter({
      name: 'parley_tool_calls_total',
      help: 'Tool calls by final outcome',
      labelNames: ['tool', 'outcome'],
      registers,
    });
    this.engineErrors = new Counter({
      name: 'parley_engine_errors_total',
      help: 'Errors reported by sessions (engines, bad frames)',
      registers,
    });
    this.engineFallbacks = new Counter({
      name: 'parley_engine_fallbacks_total',
      help: 'Handovers of a fallback chain: an engine failed and the next took over',
      labelNames: ['kind', 'from', 'to'],
      registers,
    });
    this.costUsd = new Counter({ name: 'parley_cost_usd_total', help: 'Priced usage, USD', registers });
    this.sttAudioSeconds = new Counter({
      name: 'parley_stt_audio_seconds_total',
      help: 'Caller audio recognized, seconds',
      registers,
    });
    this.brainTokens = new Counter({
      name: 'parley_brain_tokens_total',
      help: 'Brain tokens',
      labelNames: ['direction'],
      registers,
    });
    this.ttsChars = new Counter({
      name: 'parley_tts_chars_total',
      help: 'Characters synthesized',
      registers,
    });
    this.tokensRefused = new Counter({
      name: 'parley_media_tokens_refused_total',
      help: 'Media tokens refused, by reason',
      labelNames: ['code'],
      registers,
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
