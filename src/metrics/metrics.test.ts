import { describe, expect, it } from 'vitest';
import { CostMeter } from './cost-meter.js';
import { FREE_PRICES, PriceTableError, parsePriceTable } from './prices.js';

describe('price table', () => {
  it('is free by default and reads PARLEY_PRICES JSON', () => {
    expect(parsePriceTable(undefined)).toEqual(FREE_PRICES);
    expect(parsePriceTable('{"sttUsdPerMinute": 0.006}')).toEqual({ ...FREE_PRICES, sttUsdPerMinute: 0.006 });
  });

  it('refuses malformed tables with a message naming the problem', () => {
    expect(() => parsePriceTable('{nope')).toThrow(PriceTableError);
    expect(() => parsePriceTable('{"sttUsdPerMinute": -1}')).toThrow(/sttUsdPerMinute/);
    expect(() => parsePriceTable('{"ttsPerChar": 1}')).toThrow(/Known keys/);
  });
});

describe('CostMeter', () => {
  it('adds usage and prices every component', () => {
    const meter = new CostMeter({
      sttUsdPerMinute: 0.01,
      inputUsdPerMillionTokens: 1,
      outputUsdPerMillionTokens: 2,
      ttsUsdPerMillionChars: 15,
      toolCallUsd: 0.001,
    });
    meter.add({ sttAudioMs: 60_000, inputTokens: 1_000_000, outputTokens: 500_000 });
    const cost = meter.add({ ttsChars: 200_000, toolCalls: 2, outputTokens: Number.NaN, inputTokens: -5 });
    expect(cost.sttUsd).toBeCloseTo(0.01);
    expect(cost.inputUsd).toBeCloseTo(1);
    expect(cost.outputUsd).toBeCloseTo(1);
    expect(cost.ttsUsd).toBeCloseTo(3);
    expect(cost.toolsUsd).toBeCloseTo(0.002);
    expect(cost.totalUsd).toBeCloseTo(5.012);
    expect(meter.usage()).toEqual({
      sttAudioMs: 60_000,
      inputTokens: 1_000_000,
      outputTokens: 500_000,
      ttsChars: 200_000,
      toolCalls: 2,
    });
  });

  it('costs nothing on the free table', () => {
    const meter = new CostMeter(FREE_PRICES);
    expect(meter.add({ sttAudioMs: 1e6, inputTokens: 1e6, toolCalls: 9 }).totalUsd).toBe(0);
  });
});
