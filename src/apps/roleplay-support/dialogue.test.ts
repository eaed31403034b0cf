import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDomainLm, expandTemplates } from '../../engines/pocketsphinx/domain-lm.js';
import type { ChatMessage } from '../../index.js';
import agent from './agent.js';
import { decideSupport, SUPPORT_SAY } from './dialogue.js';
import { topicIn, understandSupport } from './intents.js';
import { ANSWERS, type Topic, TOPICS } from './knowledge.js';
import { ROLEPLAY_SUPPORT_PHRASES } from './phrases.js';

const user = (content: string): ChatMessage => ({ role: 'user', content });

function sentences(text: string): string[] {
  return text.match(/[^.!?]+[.!?]/g) ?? [];
}

describe('roleplay support topics', () => {
  it.each<[string, Topic]>([
    ['my package arrived damaged what should i do', 'damaged'],
    ['the screen was cracked', 'damaged'],
    ['why is my package taking so long', 'delayed'],
    ["my order hasn't arrived yet", 'delayed'],
    ['my parcel never arrived', 'lost'],
    ["tracking says delivered but i can't find it", 'lost'],
    ['i put the wrong address on my order', 'wrong_address'],
    ['what about customs fees', 'customs'],
    ['do i have to pay import duties', 'customs'],
    ['how long do refunds take', 'refund_timing'],
    ['can i get store credit instead', 'store_credit'],
    ["what's your refund policy", 'refund_policy'],
    ['it was broken can i get a refund', 'damaged'],
  ])('%s → %s', (text, topic) => {
    expect(topicIn(text)).toBe(topic);
  });

  it('answers every topic in three to five sentences', () => {
    for (const topic of TOPICS) {
      const answer = decideSupport([user(`tell me about ${topic}`)]);
      const count = ANSWERS[topic].length;
      expect(count, topic).toBeGreaterThanOrEqual(3);
      expect(count, topic).toBeLessThanOrEqual(5);
      for (const s of ANSWERS[topic]) expect(sentences(s), s).toHaveLength(1);
      expect(answer.kind).toBe('say');
    }
  });

  it('answers a question at length and the next question on its own', () => {
    const first = decideSupport([user('my package arrived damaged what should i do')]);
    expect(first).toEqual({ kind: 'say', text: ANSWERS.damaged.join(' ') });
    // After a barge-in the history holds the heard prefix; the new question gets its own answer.
    const next = decideSupport([
      user('why is my package taking so long'),
      {
        role: 'assistant',
        content: "I'm sorry your package is taking longer than expected. Most delays come",
      },
      user('wait what about customs fees'),
    ]);
    expect(next.kind === 'say' && next.text.startsWith('International orders pass through customs')).toBe(
      true,
    );
  });
});

describe('roleplay support orders', () => {
  it('looks up an order and explains what its delay means', async () => {
    expect(understandSupport('where is my order eight zero eight zero')).toEqual({
      kind: 'order',
      orderNumber: '8080',
    });
    const def = await agent.create({ dataDir: tmpdir(), ephemeral: true });
    const tool = def.tools[0];
    expect(tool?.name).toBe('get_order_status');
    expect(tool?.effect).toBe('read_only');
    const result = await tool?.execute({ order_number: '8080' }, { sessionId: 's', turnId: 1 } as never);
    const reply = decideSupport([
      user('where is my order eight zero eight zero'),
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'c1', name: 'get_order_status', arguments: '{"order_number":"8080"}' }],
      },
      {
        role: 'tool',
        toolCallId: 'c1',
        name: 'get_order_status',
        content: JSON.stringify({ status: 'ok', result }),
      },
    ]);
    expect(reply.kind === 'say' && reply.text).toBe(
      `Order eight zero eight zero is in transit with DHL and should arrive Saturday. It was delayed by customs clearance. ${ANSWERS.customs.slice(1, 3).join(' ')}`,
    );
    await def.close?.();
  });

  it('asks for the number of a bare tracking question, then looks it up', () => {
    expect(decideSupport([user('where is my order')])).toEqual({ kind: 'say', text: SUPPORT_SAY.askOrder });
    expect(
      decideSupport([
        user('where is my order'),
        { role: 'assistant', content: SUPPORT_SAY.askOrder },
        user('four two one nine'),
      ]),
    ).toEqual({ kind: 'call', name: 'get_order_status', args: { order_number: '4219' } });
  });

  it('owns up to a failed lookup', () => {
    const reply = decideSupport([
      user('where is order four two one nine'),
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'c1', name: 'get_order_status', arguments: '{}' }],
      },
      { role: 'tool', toolCallId: 'c1', content: JSON.stringify({ status: 'timeout', reason: 'slow' }) },
    ]);
    expect(reply).toEqual({ kind: 'say', text: SUPPORT_SAY.toolTrouble });
  });
});

describe('roleplay support small talk', () => {
  it.each([
    ['hello', SUPPORT_SAY.hello],
    ['thank you', SUPPORT_SAY.welcome],
    ['no thanks', SUPPORT_SAY.goodbye],
    ['pizza', SUPPORT_SAY.notCaught],
    ['can you book me a table for dinner', SUPPORT_SAY.outOfDomain],
  ])('%s', (text, reply) => {
    expect(decideSupport([user(text)])).toEqual({ kind: 'say', text: reply });
  });

  it('greets before anyone speaks', () => {
    expect(decideSupport([])).toEqual({ kind: 'say', text: SUPPORT_SAY.greeting });
  });
});

describe('roleplay support phrases', () => {
  it('reach every topic and build a language model from dictionary words', async () => {
    const seen = new Set(expandTemplates(ROLEPLAY_SUPPORT_PHRASES).map((s) => topicIn(s)));
    for (const topic of TOPICS) expect(seen, topic).toContain(topic);
    const dir = await mkdtemp(join(tmpdir(), 'parley-support-lm-'));
    try {
      await buildDomainLm(ROLEPLAY_SUPPORT_PHRASES, dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
