import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { BrainContext } from '../engines/types.js';
import type { ToolDefinition } from '../tools/types.js';
import { createHarness, type Harness } from '../testing/index.js';

function packageTools(clock: () => Clock, ran: string[]) {
  const order = z.object({ orderNumber: z.string() });
  const tools: ToolDefinition<{ orderNumber: string }, unknown>[] = [
    {
      name: 'get_order_status',
      description: 'status of an order',
      schema: order,
      effect: 'read_only',
      slowAfterMs: 500,
      execute: async (args, ctx) => {
        await clock().sleep(2000, ctx.signal);
        ran.push(`status ${args.orderNumber}`);
        return { status: 'in transit' };
      },
    },
    {
      name: 'send_tracking_link',
      description: 'texts the tracking link',
      schema: order,
      effect: 'side_effect',
      execute: async (args) => {
        ran.push(`link ${args.orderNumber}`);
        return { sent: true };
      },
    },
    {
      name: 'cancel_order',
      description: 'cancels an order',
      schema: order,
      effect: 'needs_confirmation',
      execute: async (args) => {
        ran.push(`cancel ${args.orderNumber}`);
        return { cancelled: true };
      },
    },
  ];
  return tools;
}

/** The tool result of the current turn (after the caller's last message), if any. */
const lastTool = (ctx: BrainContext) => {
  const lastUserIndex = ctx.messages.map((m) => m.role).lastIndexOf('user');
  return ctx.messages
    .slice(lastUserIndex)
    .filter((m) => m.role === 'tool')
    .at(-1);
};
const lastUser = (ctx: BrainContext) => ctx.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';

async function untilQuiet(h: Harness, ms = 8000) {
  await h.silence(ms);
}

describe('tools in a conversation', () => {
  it('a side-effect tool proposed by an interrupted reply never runs', async () => {
    const ran: string[] = [];
    let h: Harness | undefined;
    h = createHarness({
      script: ['where is order four two one nine', 'no wait a moment'],
      tools: packageTools(() => (h as Harness).clock, ran),
      replies: [
        [
          { toolCall: { name: 'get_order_status', arguments: '{"orderNumber":"4219"}' } },
          { toolCall: { name: 'send_tracking_link', arguments: '{"orderNumber":"4219"}' } },
        ],
        [{ text: 'Sure.' }],
      ],
    });
    h.session.start();
    await h.say(700);
    // The status lookup is slow: the filler plays, and the caller talks over it.
    while (h.agentFrames.length === 0) await h.silence(20);
    expect(h.first('filler')?.text).toBe('Let me check on that.');
    await h.say(500);
    await untilQuiet(h);
    expect(h.of('interrupted')).toHaveLength(1);
    expect(ran).toEqual([]);
    const statuses = Object.fromEntries(h.of('tool_executed').map((e) => [e.name, e.status]));
    expect(statuses).toEqual({ get_order_status: 'cancelled', send_tracking_link: 'cancelled' });
    expect(h.audit.some((e) => e.tool === 'send_tracking_link' && e.kind === 'executed')).toBe(false);
    expect(h.session.traces()[0]?.tools.map((t) => t.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('uncommitted partials only prefetch read-only calls, never side effects', async () => {
    const ran: string[] = [];
    let h: Harness | undefined;
    h = createHarness({
      script: ['four two one nine is my order please text me the tracking link'],
      tools: packageTools(() => (h as Harness).clock, ran),
      prepare: (stable) =>
        /four two one nine/.test(stable)
          ? [
              { name: 'get_order_status', arguments: '{"orderNumber":"4219"}' },
              { name: 'send_tracking_link', arguments: '{"orderNumber":"4219"}' },
            ]
          : [],
      replies: [
        [{ toolCall: { name: 'get_order_status', arguments: '{"orderNumber":"4219"}' } }],
        [{ text: 'It is in transit.' }],
      ],
    });
    h.session.start();
    await h.say(900);
    expect(h.of('turn_committed')).toHaveLength(0);
    const refusedEarly = h.audit.filter((e) => e.tool === 'send_tracking_link' && e.kind === 'policy');
    expect(refusedEarly.map((e) => e.detail.decision)).toEqual(['refused']);
    await h.silence(2500);
    expect(h.of('turn_committed')).toHaveLength(1);
    // The prefetch already ran the lookup; the committed turn reused it, and no link was sent.
    expect(ran).toEqual(['status 4219']);
    expect(h.audit.some((e) => e.detail.decision === 'prefetched result reused')).toBe(true);
    expect(h.of('tool_executed').map((e) => e.status)).toEqual(['executed']);
  });

  it('runs a confirmation tool only after the caller says yes', async () => {
    const ran: string[] = [];
    let h: Harness | undefined;
    const brainTurn = (ctx: BrainContext) => {
      const tool = lastTool(ctx);
      if (tool?.content.includes('needs_confirmation'))
        return [{ text: 'Do you want me to cancel order 4219?' }];
      if (tool?.content.includes('"ok"')) return [{ text: 'Done, it is cancelled.' }];
      if (tool) return [{ text: 'Okay, I will leave it.' }];
      const said = lastUser(ctx);
      if (said.startsWith('cancel') || said === 'yes please' || said === 'no') {
        return [{ toolCall: { name: 'cancel_order', arguments: '{"orderNumber":"4219"}' } }];
      }
      return [{ text: 'Okay.' }];
    };
    h = createHarness({
      script: ['cancel order four two one nine', 'no', 'cancel order four two one nine', 'yes please'],
      tools: packageTools(() => (h as Harness).clock, ran),
      replies: [brainTurn],
    });
    h.session.start();
    for (const ms of [900, 300, 900, 500]) {
      await h.say(ms);
      await untilQuiet(h, 6000);
    }
    const outcomes = h.of('tool_executed').map((e) => e.status);
    expect(outcomes).toEqual(['needs_confirmation', 'needs_confirmation', 'needs_confirmation', 'executed']);
    expect(ran).toEqual(['cancel 4219']);
    expect(h.session.history().at(-1)).toEqual({ role: 'assistant', content: 'Done, it is cancelled.' });
  });

  for (const yes of ['yes cancel it', 'yes, cancel order four two one nine']) {
    it(`regression: "${yes}" confirms at once instead of being asked to confirm twice`, async () => {
      const ran: string[] = [];
      let h: Harness | undefined;
      const brainTurn = (ctx: BrainContext) => {
        const tool = lastTool(ctx);
        if (tool?.content.includes('needs_confirmation'))
          return [{ text: 'Do you want me to cancel order 4219?' }];
        if (tool?.content.includes('"ok"')) return [{ text: 'Done, it is cancelled.' }];
        if (tool) return [{ text: 'Okay, I will leave it.' }];
        const said = lastUser(ctx);
        if (said.startsWith('cancel') || said.startsWith('yes'))
          return [{ toolCall: { name: 'cancel_order', arguments: '{"orderNumber":"4219"}' } }];
        return [{ text: 'Okay.' }];
      };
      h = createHarness({
        script: ['cancel order four two one nine', yes],
        tools: packageTools(() => (h as Harness).clock, ran),
        replies: [brainTurn],
      });
      h.session.start();
      for (const ms of [900, 900]) {
        await h.say(ms);
        await untilQuiet(h, 6000);
      }
      expect(h.of('tool_executed').map((e) => e.status)).toEqual(['needs_confirmation', 'executed']);
      expect(ran).toEqual(['cancel 4219']);
      expect(h.session.history().at(-1)).toEqual({ role: 'assistant', content: 'Done, it is cancelled.' });
    });
  }

  it('a yes that takes itself back ("yes, but not that one") runs nothing', async () => {
    const ran: string[] = [];
    let h: Harness | undefined;
    const brainTurn = (ctx: BrainContext) => {
      const tool = lastTool(ctx);
      if (tool?.content.includes('needs_confirmation')) return [{ text: 'Cancel order 4219?' }];
      if (tool) return [{ text: 'Okay.' }];
      const said = lastUser(ctx);
      if (said.startsWith('cancel') || said.startsWith('yes'))
        return [{ toolCall: { name: 'cancel_order', arguments: '{"orderNumber":"4219"}' } }];
      return [{ text: 'Okay.' }];
    };
    h = createHarness({
      script: ['cancel order four two one nine', "yes but don't cancel it"],
      tools: packageTools(() => (h as Harness).clock, ran),
      replies: [brainTurn],
    });
    h.session.start();
    for (const ms of [900, 900]) {
      await h.say(ms);
      await untilQuiet(h, 6000);
    }
    expect(h.of('tool_executed').map((e) => e.status)).toEqual(['needs_confirmation', 'needs_confirmation']);
    expect(ran).toEqual([]);
  });

  it('feeds a refused call back to the brain as a tool message', async () => {
    const ran: string[] = [];
    let h: Harness | undefined;
    h = createHarness({
      script: ['where is order four two one nine'],
      tools: packageTools(() => (h as Harness).clock, ran),
      replies: [
        [{ toolCall: { name: 'get_order_status', arguments: '{"orderNumber":4219,"debug":true}' } }],
        (ctx) => [
          { text: lastTool(ctx)?.content.includes('rejected') ? 'Sorry, say the number again?' : 'Hmm.' },
        ],
      ],
    });
    h.session.start();
    await h.say(800);
    await untilQuiet(h, 5000);
    expect(h.first('tool_rejected')?.reason).toMatch(/orderNumber|debug/);
    expect(h.session.history().at(-1)?.content).toBe('Sorry, say the number again?');
    expect(h.session.history().some((m) => m.role === 'tool' && m.content.includes('rejected'))).toBe(true);
    expect(ran).toEqual([]);
  });
});

describe('fillers', () => {
  it('speaks one bridging phrase when the brain is slow, then the answer', async () => {
    const h = createHarness({
      script: ['where is my order'],
      brainFirstTokenMs: 1500,
      replies: [[{ text: 'It is on its way.' }]],
    });
    h.session.start();
    await h.say(500);
    await untilQuiet(h, 5000);
    const committed = h.session.traces()[0]?.marks.committed ?? 0;
    const filler = h.first('filler');
    expect(filler?.atMs).toBe(committed + 700);
    expect(h.of('filler')).toHaveLength(1);
    expect(h.session.traces()[0]?.heardText).toBe('Let me check on that. It is on its way.');
    const firstAudio = h.agentFrames[0]?.startMs ?? 0;
    expect(firstAudio).toBeLessThan(h.session.traces()[0]?.marks.brainFirstToken ?? 0);
  });

  it('says no filler when the answer is quick', async () => {
    const h = createHarness({ script: ['where is my order'], replies: [[{ text: 'It is on its way.' }]] });
    h.session.start();
    await h.say(500);
    await untilQuiet(h, 3000);
    expect(h.of('filler')).toHaveLength(0);
  });
});
