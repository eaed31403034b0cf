/** Per-session usage meter: adds up what the session reports and prices it. */
import type { UsageTotals } from '../store/call-store.js';
import type { PriceTable } from './prices.js';

export interface UsageDelta {
  sttAudioMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  ttsChars?: number;
  toolCalls?: number;
}

export interface CostBreakdown {
  sttUsd: number;
  inputUsd: number;
  outputUsd: number;
  ttsUsd: number;
  toolsUsd: number;
  totalUsd: number;
}

export function priceUsage(usage: UsageTotals, prices: PriceTable): CostBreakdown {
  const sttUsd = (usage.sttAudioMs / 60_000) * prices.sttUsdPerMinute;
  const inputUsd = (usage.inputTokens / 1e6) * prices.inputUsdPerMillionTokens;
  const outputUsd = (usage.outputTokens / 1e6) * prices.outputUsdPerMillionTokens;
  const ttsUsd = (usage.ttsChars / 1e6) * prices.ttsUsdPerMillionChars;
  const toolsUsd = usage.toolCalls * prices.toolCallUsd;
  return {
    sttUsd,
    inputUsd,
    outputUsd,
    ttsUsd,
    toolsUsd,
    totalUsd: sttUsd + inputUsd + outputUsd + ttsUsd + toolsUsd,
  };
}

export class CostMeter {
  private totals: UsageTotals = { sttAudioMs: 0, inputTokens: 0, outputTokens: 0, ttsChars: 0, toolCalls: 0 };

  constructor(private readonly prices: PriceTable) {}

  /** Adds a delta; negative or non-finite figures are ignored rather than corrupting the totals. */
  add(delta: UsageDelta): CostBreakdown {
    const t = this.totals;
    const clean = (v: number | undefined) => (v !== undefined && Number.isFinite(v) && v > 0 ? v : 0);
    t.sttAudioMs += clean(delta.sttAudioMs);
    t.inputTokens += clean(delta.inputTokens);
    t.outputTokens += clean(delta.outputTokens);
    t.ttsChars += clean(delta.ttsChars);
    t.toolCalls += clean(delta.toolCalls);
    return this.cost();
  }

  usage(): UsageTotals {
    return { ...this.totals };
  }

  cost(): CostBreakdown {
    return priceUsage(this.totals, this.prices);
  }
}
