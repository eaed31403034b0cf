import { describe, expect, it } from 'vitest';
import { parseEngineSpec } from '../engine-spec.js';
import { EngineError } from '../types.js';
import { parseSimParams, planReply, SIM_DEFAULTS, simTokens } from './latency.js';

const paramsOf = (spec: string) => parseEngineSpec(spec)[0]?.params ?? {};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

describe('sim parameters', () => {
  it('reads a spec and keeps the defaults for the rest', () => {
    expect(parseSimParams(paramsOf('sim:ttftMs=450,tps=40,tailP=0.1,tailMs=2000,seed=7'))).toEqual({
      ...SIM_DEFAULTS,
      ttftMs: 450,
      tps: 40,
      tailP: 0.1,
      tailMs: 2000,
      seed: 7,
    });
    expect(parseSimParams({})).toEqual(SIM_DEFAULTS);
  });

  it('rejects an unknown parameter, naming the valid ones', () => {
    const err = (() => {
      try {
        parseSimParams(paramsOf('sim:ttft=450'));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).toMatch(/unknown parameter 'ttft'/);
    for (const name of ['ttftMs', 'ttftSpread', 'tps', 'jitter', 'tailP', 'tailMs', 'seed']) {
      expect((err as Error).message).toContain(name);
    }
  });

  it('rejects values out of range or not numbers', () => {
    expect(() => parseSimParams({ tps: '0' })).toThrow(/tps=0 is out of range/);
    expect(() => parseSimParams({ tailP: '1.5' })).toThrow(EngineError);
    expect(() => parseSimParams({ ttftMs: 'fast' })).toThrow(/ttftMs=fast/);
    expect(() => parseSimParams({ seed: '1.5' })).toThrow(/seed/);
    expect(() => parseSimParams({ ttftMs: '' })).toThrow(EngineError);
  });
});

describe('sim tokens', () => {
  it('cuts text into pieces of about four characters that join back to the text', () => {
    const text = 'Order four two one nine is in transit with DHL and should arrive tomorrow.';
    const tokens = simTokens(text);
    expect(tokens.join('')).toBe(text);
    const mean = text.length / tokens.length;
    expect(mean).toBeGreaterThan(3);
    expect(mean).toBeLessThan(6);
    expect(simTokens('{"order_number":"4219"}').join('')).toBe('{"order_number":"4219"}');
    expect(simTokens('')).toEqual([]);
  });
});

describe('reply plans', () => {
  const latency = { ...SIM_DEFAULTS, ttftMs: 300, tps: 40 };

  it('are the same for the same seed and key, and differ for another seed', () => {
    const a = planReply(latency, 'conversation#0', 30);
    expect(planReply(latency, 'conversation#0', 30)).toEqual(a);
    expect(planReply({ ...latency, seed: 2 }, 'conversation#0', 30).firstTokenMs).not.toBe(a.firstTokenMs);
    expect(planReply(latency, 'conversation#1', 30).firstTokenMs).not.toBe(a.firstTokenMs);
  });

  it('draw first tokens around the median with the configured spread and tail', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `k${i}`);
    const plain = keys.map((k) => planReply(latency, k, 1).firstTokenMs);
    expect(median(plain)).toBeGreaterThan(300 * 0.9);
    expect(median(plain)).toBeLessThan(300 * 1.1);
    // σ = 0.3: p95 ≈ e^(1.645·0.3) ≈ 1.64 × the median.
    const p95 = [...plain].sort((a, b) => a - b)[1900] as number;
    expect(p95 / 300).toBeGreaterThan(1.4);
    expect(p95 / 300).toBeLessThan(1.9);
    expect(new Set(keys.map((k) => planReply({ ...latency, ttftSpread: 0 }, k, 1).firstTokenMs))).toEqual(
      new Set([300]),
    );

    const tailed = keys.map((k) => planReply({ ...latency, tailP: 0.2, tailMs: 1500 }, k, 1));
    const share = tailed.filter((p) => p.tail).length / keys.length;
    expect(share).toBeGreaterThan(0.16);
    expect(share).toBeLessThan(0.24);
    for (const p of tailed.filter((t) => t.tail)) expect(p.firstTokenMs).toBeGreaterThan(1500);
  });

  it('space tokens at 1000/tps ms with bounded jitter', () => {
    const plan = planReply({ ...latency, tps: 50, jitter: 0.2 }, 'x', 101);
    const gaps = plan.tokenAtMs.slice(1).map((t, i) => t - (plan.tokenAtMs[i] as number));
    expect(gaps).toHaveLength(100);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(16 - 1e-9);
      expect(g).toBeLessThanOrEqual(24 + 1e-9);
    }
    const total = (plan.tokenAtMs.at(-1) as number) - plan.firstTokenMs;
    expect(total).toBeGreaterThan(1800);
    expect(total).toBeLessThan(2200);
  });
});
