/**
 * The Anthropic brain the environment configures: ANTHROPIC_API_KEY, PARLEY_ANTHROPIC_URL (an
 * Anthropic-compatible server or proxy instead of https://api.anthropic.com) and
 * PARLEY_ANTHROPIC_MODEL; a spec's `model=` and `timeoutMs=` parameters override them.
 * PARLEY_LLM_TEMPERATURE is not applied: API version 2026-10-21, which the SDK speaks, answers
 * 400 to any sampling temperature, and one variable shared with the OpenAI brain must not break
 * this one.
 */
import type { EngineParams } from '../engine.js';
import { checkParams, requireKeyOrUrl } from '../provider-config.js';
import { EngineError } from '../types.js';
import { AnthropicBrain, type AnthropicBrainOptions } from './anthropic-brain.js';

export interface AnthropicEnv {
  ANTHROPIC_API_KEY?: string;
  PARLEY_ANTHROPIC_URL?: string;
  PARLEY_ANTHROPIC_MODEL?: string;
}

const PARAMS = ['model', 'timeoutMs'] as const;

export function anthropicOptionsFromEnv(
  env: Readonly<AnthropicEnv>,
  params: EngineParams = {},
): AnthropicBrainOptions {
  const { apiKey, url: baseUrl } = requireKeyOrUrl(env, {
    engine: 'anthropic',
    keyVar: 'ANTHROPIC_API_KEY',
    urlVar: 'PARLEY_ANTHROPIC_URL',
    missing: 'no Anthropic API key is configured',
    server: 'an Anthropic-compatible server that needs none',
  });
  checkParams(params, PARAMS, 'anthropic');
  if (baseUrl && !/^https?:\/\//.test(baseUrl)) {
    throw new EngineError('anthropic', `PARLEY_ANTHROPIC_URL must be an http(s) URL, got '${baseUrl}'`);
  }
  const opts: AnthropicBrainOptions = {};
  if (apiKey) opts.apiKey = apiKey;
  if (baseUrl) opts.baseUrl = baseUrl;
  const model = params.model?.trim() || env.PARLEY_ANTHROPIC_MODEL?.trim();
  if (model) opts.model = model;
  if (params.timeoutMs !== undefined) {
    const ms = Number(params.timeoutMs);
    if (!Number.isInteger(ms) || ms < 100) {
      throw new EngineError(
        'anthropic',
        `timeoutMs must be whole ms of at least 100, got '${params.timeoutMs}'`,
      );
    }
    opts.timeoutMs = ms;
  }
  return opts;
}

/** An AnthropicBrain from the environment (and a spec's parameters). */
export function anthropicBrainFromEnv(
  env: Readonly<AnthropicEnv>,
  params: EngineParams = {},
): AnthropicBrain {
  return new AnthropicBrain(anthropicOptionsFromEnv(env, params));
}
