import { describe, expect, it } from 'vitest';
import { PACKAGE_TRACKER_PHRASES } from '../../apps/package-tracker/index.js';
import { EngineError } from '../types.js';
import { keytermsFromPhrases, optionsFromEnv, redact, streamUrl } from './config.js';

describe('deepgram options', () => {
  it('needs a key or a URL, and names the variable to set', () => {
    expect(() => optionsFromEnv({}, {})).toThrow(EngineError);
    expect(() => optionsFromEnv({}, {})).toThrow(/DEEPGRAM_API_KEY/);
    // A self-hosted server may take no key.
    const selfHosted = optionsFromEnv({ PARLEY_DEEPGRAM_URL: 'ws://dg.local:8080/v1/listen' }, {});
    expect(selfHosted.url).toBe('ws://dg.local:8080/v1/listen');
    expect(selfHosted.apiKey).toBeUndefined();
  });

  it('takes model, language and endpointing from the spec, and refuses unknown parameters', () => {
    const opts = optionsFromEnv(
      { DEEPGRAM_API_KEY: 'k' },
      { model: 'nova-2-phonecall', language: 'en-US', endpointing: 'false' },
    );
    expect(opts).toMatchObject({
      url: 'wss://api.deepgram.com/v1/listen',
      model: 'nova-2-phonecall',
      language: 'en-US',
      endpointingMs: false,
    });
    expect(() => optionsFromEnv({ DEEPGRAM_API_KEY: 'k' }, { modle: 'nova-3' })).toThrow(
      /unknown parameter 'modle'/,
    );
    expect(() => optionsFromEnv({ DEEPGRAM_API_KEY: 'k' }, { endpointing: 'soon' })).toThrow(/endpointing/);
  });

  it('boosts terms with keyterm on Nova-3 and keywords (single words) on older models, never the key', () => {
    const base = optionsFromEnv({ DEEPGRAM_API_KEY: 'secret-key-1' }, {});
    const nova3 = streamUrl({ ...base, keyterms: ['tracking link', 'parcel'] });
    expect(nova3.searchParams.getAll('keyterm')).toEqual(['tracking link', 'parcel']);
    expect(nova3.searchParams.has('keywords')).toBe(false);
    const nova2 = streamUrl({ ...base, model: 'nova-2', keyterms: ['tracking link', 'parcel'] });
    expect(nova2.searchParams.getAll('keywords')).toEqual(['parcel']);
    expect(nova2.searchParams.has('keyterm')).toBe(false);
    expect(nova3.href).not.toContain('secret-key-1');
  });

  it("picks a few distinctive words from the agent's phrases", () => {
    const terms = keytermsFromPhrases(PACKAGE_TRACKER_PHRASES, 20);
    expect(terms.length).toBeLessThanOrEqual(20);
    expect(terms).toEqual(expect.arrayContaining(['order', 'package', 'parcel', 'shipment', 'tracking']));
    for (const common of ['where', 'seven', 'twenty', 'what']) expect(terms).not.toContain(common);
  });

  it('masks the key wherever a server echoes it', () => {
    expect(redact('bad token abc123 for abc123', 'abc123')).toBe('bad token *** for ***');
    expect(redact('nothing to hide', undefined)).toBe('nothing to hide');
  });
});
