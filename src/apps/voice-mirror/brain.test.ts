import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDomainLm, expandTemplates } from '../../engines/pocketsphinx/domain-lm.js';
import type { BrainDelta, ChatMessage } from '../../index.js';
import agent from './agent.js';
import { MIRROR_SAY, mirrorReply, createVoiceMirrorBrain } from './brain.js';
import { VOICE_MIRROR_PHRASES } from './phrases.js';

async function collect(messages: ChatMessage[]): Promise<BrainDelta[]> {
  const out: BrainDelta[] = [];
  for await (const d of createVoiceMirrorBrain().respond(
    { messages, tools: [] },
    new AbortController().signal,
  ))
    out.push(d);
  return out;
}

describe('voice mirror brain', () => {
  it('says back the newest caller turn', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'persona' },
      { role: 'user', content: 'hello there' },
      { role: 'assistant', content: 'hello there.' },
      { role: 'user', content: 'the weather is nice today' },
    ];
    expect(mirrorReply(messages)).toBe('the weather is nice today.');
  });

  it('keeps punctuation the transcript already has', () => {
    expect(mirrorReply([{ role: 'user', content: 'are you there?' }])).toBe('are you there?');
  });

  it('echoes the interruption, not the sentence it cut, after a barge-in', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'i am going to the store this afternoon to buy some milk' },
      { role: 'assistant', content: 'i am going to the' },
      { role: 'user', content: 'stop' },
    ];
    expect(mirrorReply(messages)).toBe('stop.');
  });

  it('greets when nobody has spoken and owns up to silence', () => {
    expect(mirrorReply([{ role: 'system', content: 'persona' }])).toBe(MIRROR_SAY.greeting);
    expect(mirrorReply([{ role: 'user', content: '  ' }])).toBe(MIRROR_SAY.nothingHeard);
  });

  it('streams word by word and proposes no tools', async () => {
    const deltas = await collect([{ role: 'user', content: 'good morning everyone' }]);
    expect(deltas.every((d) => d.type === 'text')).toBe(true);
    expect(deltas.map((d) => (d.type === 'text' ? d.text : '')).join('')).toBe('good morning everyone.');
    expect(deltas).toHaveLength(3);
  });

  it('stops streaming once aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const out: BrainDelta[] = [];
    for await (const d of createVoiceMirrorBrain().respond(
      { messages: [{ role: 'user', content: 'one two three' }], tools: [] },
      controller.signal,
    ))
      out.push(d);
    expect(out).toEqual([]);
  });
});

describe('voice mirror agent', () => {
  it('speaks rms, has no tools and its own phrases', async () => {
    const def = await agent.create({ dataDir: tmpdir(), ephemeral: true });
    expect(def.name).toBe('voice-mirror');
    expect(def.voice).toBe('rms');
    expect(def.tools).toEqual([]);
    expect(def.phraseTemplates).toBe(VOICE_MIRROR_PHRASES);
    expect(agent.scenarios).toMatch(/voice-mirror\/scenarios\/$/);
  });

  it('phrases build a language model with every word in the dictionary', async () => {
    expect(expandTemplates(VOICE_MIRROR_PHRASES).length).toBeGreaterThan(500);
    const dir = await mkdtemp(join(tmpdir(), 'parley-mirror-lm-'));
    try {
      await buildDomainLm(VOICE_MIRROR_PHRASES, dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
