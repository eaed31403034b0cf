import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { VirtualClock } from '../clock.js';
import { createToolGateway } from './gateway.js';
import type { AuditEntry, ToolDefinition, ToolProposal } from './types.js';

function setup() {
  const clock = new VirtualClock();
  const audit: AuditEntry[] = [];
  const ran: string[] = [];
  const tools: ToolDefinition<never, unknown>[] = [
    {
      name: 'get_order_status',
      description: 'status of an order',
      schema: z.object({ orderNumber: z.string() }) as never,
      effect: 'read_only',
      execute: async (args: { orderNumber: string }) => {
        ran.push(`status ${args.orderNumber}`);
        return { status: 'shipped' };
      },
    },
    {
      name: 'send_tracking_link',
      description: 'texts the tracking link',
      schema: z.object({ orderNumber: z.string() }) as never,
      effect: 'side_effect',
      execute: async () => {
        ran.push('link');
        return { sent: true };
      },
    },
    {
      name: 'cancel_order',
      description: 'cancels an order',
      schema: z.object({ orderNumber: z.string() }) as never,
      effect: 'needs_confirmation',
      execute: async () => {
        ran.push('cancel');
        return { cancelled: true };
      },
    },
    {
      name: 'slow_lookup',
      description: 'takes long',
      schema: z.object({}) as never,
      effect: 'read_only',
      timeoutMs: 1000,
      execute: (_args: unknown, ctx) =>
        clock.sleep(10_000, ctx.signal).then(() => {
          ran.push('slow finished');
        }),
    },
    {
      name: 'broken',
      description: 'always fails',
      schema: z.object({}) as never,
      effect: 'read_only',
      execute: async () => {
        throw new Error('database is locked');
      },
    },
  ];
  const gateway = createToolGateway({
    sessionId: 's1',
    tools,
    audit: { record: (e) => audit.push(e) },
    clock,
  });
  let seq = 0;
  const proposal = (name: string, args: string, turnId = 1, phase: 'partial' | 'committed' = 'committed') =>
    ({ callId: `c${seq++}`, name, arguments: args, sessionId: 's1', turnId, phase }) satisfies ToolProposal;
  return { clock, audit, ran, gateway, proposal };
}

const live = () => new AbortController().signal;

describe('tool gateway validation', () => {
  it('refuses unknown tools, bad JSON, extra fields, wrong types and huge strings, auditing each', async () => {
    const { gateway, proposal, audit, ran } = setup();
    const cases: [string, string, RegExp][] = [
      ['delete_everything', '{}', /unknown tool 'delete_everything'/],
      ['get_order_status', '{"orderNumber": 42', /not valid JSON/],
      ['get_order_status', '{"orderNumber":"4219","admin":true}', /admin/],
      ['get_order_status', '{"orderNumber":4219}', /orderNumber/],
      [
        'get_order_status',
        JSON.stringify({ orderNumber: 'x'.repeat(5000) }),
        /orderNumber is 5000 characters/,
      ],
    ];
    for (const [name, args, reason] of cases) {
      const outcome = await gateway.propose(proposal(name, args), live());
      expect(outcome.status).toBe('rejected');
      expect(outcome.reason).toMatch(reason);
    }
    expect(ran).toEqual([]);
    expect(audit.filter((e) => e.kind === 'proposed')).toHaveLength(5);
    expect(audit.filter((e) => e.kind === 'rejected')).toHaveLength(5);
  });

  it('publishes JSON-schema specs for the brain', () => {
    const { gateway } = setup();
    const spec = gateway.specs().find((s) => s.name === 'get_order_status');
    expect(spec?.parameters).toMatchObject({
      type: 'object',
      properties: { orderNumber: { type: 'string' } },
    });
  });
});

describe('tool gateway policy', () => {
  it('never runs a side effect proposed on a partial transcript', async () => {
    const { gateway, proposal, ran, audit } = setup();
    const outcome = await gateway.propose(
      proposal('send_tracking_link', '{"orderNumber":"4219"}', 1, 'partial'),
      live(),
    );
    expect(outcome.status).toBe('rejected');
    expect(outcome.reason).toMatch(/only run after/);
    expect(ran).toEqual([]);
    expect(audit.some((e) => e.kind === 'policy' && e.detail.decision === 'refused')).toBe(true);
  });

  it('never runs a side effect from a cancelled reply', async () => {
    const { gateway, proposal, ran } = setup();
    const ctrl = new AbortController();
    ctrl.abort();
    const outcome = await gateway.propose(
      proposal('send_tracking_link', '{"orderNumber":"4219"}'),
      ctrl.signal,
    );
    expect(outcome.status).toBe('cancelled');
    expect(ran).toEqual([]);
  });

  it('reuses a read-only result prefetched on a partial in the committed turn', async () => {
    const { gateway, proposal, ran } = setup();
    await gateway.propose(proposal('get_order_status', '{"orderNumber":"4219"}', 3, 'partial'), live());
    const outcome = await gateway.propose(proposal('get_order_status', '{"orderNumber":"4219"}', 3), live());
    expect(outcome.status).toBe('executed');
    expect(outcome.result).toEqual({ status: 'shipped' });
    expect(ran).toEqual(['status 4219']);
  });

  it('runs a confirmation tool only after the caller confirms, and drops it on a no', async () => {
    const { gateway, proposal, ran } = setup();
    const args = '{"orderNumber":"4219"}';
    expect((await gateway.propose(proposal('cancel_order', args, 1), live())).status).toBe(
      'needs_confirmation',
    );
    gateway.confirmPending(2);
    expect((await gateway.propose(proposal('cancel_order', args, 2), live())).status).toBe('executed');
    expect(ran).toEqual(['cancel']);

    expect((await gateway.propose(proposal('cancel_order', args, 3), live())).status).toBe(
      'needs_confirmation',
    );
    gateway.cancelPending();
    expect((await gateway.propose(proposal('cancel_order', args, 4), live())).status).toBe(
      'needs_confirmation',
    );
    expect(ran).toEqual(['cancel']);
  });

  it('a confirmation for other arguments does not run the pending call', async () => {
    const { gateway, proposal, ran } = setup();
    await gateway.propose(proposal('cancel_order', '{"orderNumber":"4219"}', 1), live());
    gateway.confirmPending(2);
    expect(
      (await gateway.propose(proposal('cancel_order', '{"orderNumber":"9999"}', 2), live())).status,
    ).toBe('needs_confirmation');
    expect(ran).toEqual([]);
  });
});

describe('tool executor', () => {
  it('times out, cancels and reports failures without stacks', async () => {
    const { gateway, proposal, clock, ran, audit } = setup();
    const timedOut = gateway.propose(proposal('slow_lookup', '{}'), live());
    await clock.advance(1000);
    expect((await timedOut).status).toBe('timeout');

    const ctrl = new AbortController();
    const cancelled = gateway.propose(proposal('slow_lookup', '{}'), ctrl.signal);
    await clock.advance(100);
    ctrl.abort();
    expect((await cancelled).status).toBe('cancelled');
    await clock.advance(20_000);
    expect(ran).toEqual([]);

    const failed = await gateway.propose(proposal('broken', '{}'), live());
    expect(failed).toMatchObject({ status: 'failed', reason: 'database is locked' });
    expect(audit.filter((e) => e.kind === 'failed').map((e) => e.detail.status)).toEqual([
      'timeout',
      'failed',
    ]);
    expect(audit.filter((e) => e.kind === 'cancelled')).toHaveLength(1);
  });
});
