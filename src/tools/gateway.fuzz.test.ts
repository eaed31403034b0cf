/**
 * Property-based tests of tool arguments: whatever a model proposes (hostile JSON, prototype keys,
 * huge strings, deep nesting), the gateway answers with an outcome, never a throw or a rejection,
 * runs a tool only with arguments its schema accepts, and pollutes no prototype.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { orderArgs, transferArgs, verifyArgs } from '../apps/package-tracker/tools.js';
import { VirtualClock } from '../clock.js';
import { fuzzParams, hostileJson, hostileText, nestedJson } from '../testing/fuzz.js';
import { defineTool } from './define.js';
import { createToolGateway } from './gateway.js';
import type { AuditEntry, ToolDefinition, ToolOutcomeStatus } from './types.js';

const SCHEMAS: Record<string, z.ZodType> = {
  get_order_status: orderArgs,
  verify_caller: verifyArgs,
  transfer: transferArgs,
  // Schemas that hand the model more freedom: records, arrays and nested objects.
  tag_order: z.strictObject({ order_number: z.string(), tags: z.record(z.string(), z.string()) }),
  note: z.strictObject({ lines: z.array(z.string()).max(20), meta: z.object({ by: z.string() }).optional() }),
  annotate: z.strictObject({ data: z.record(z.string(), z.unknown()) }),
};
const KINDS = { get_order_status: 'read-only', verify_caller: 'read-only', transfer: 'side-effect' } as const;

function makeGateway() {
  const executed: { name: string; args: unknown }[] = [];
  const audits: AuditEntry[] = [];
  const tools: ToolDefinition[] = Object.entries(SCHEMAS).map(
    ([name, schema]) =>
      defineTool({
        name,
        description: name,
        schema,
        kind: KINDS[name as keyof typeof KINDS] ?? 'needs-confirmation',
        execute: (args: unknown) => {
          executed.push({ name, args });
          return { ok: true };
        },
      }) as ToolDefinition,
  );
  const gateway = createToolGateway({
    sessionId: 'fuzz',
    tools,
    clock: new VirtualClock(),
    audit: { record: (e) => audits.push(e) },
  });
  return { gateway, executed, audits };
}

const hugeString = fc
  .integer({ min: 400, max: 20_000 })
  .map((n) => JSON.stringify({ order_number: 'x'.repeat(n) }));
const deep = fc
  .tuple(
    fc.integer({ min: 10, max: 4000 }),
    fc.constantFrom('array', 'object') as fc.Arbitrary<'array' | 'object'>,
  )
  .map(([depth, kind]) => `{"order_number":"4219","tags":${nestedJson(depth, kind)}}`);
const prototypeKeys = fc
  .tuple(
    fc.constantFrom('__proto__', 'constructor', 'prototype'),
    fc.constantFrom('order_number', 'tags', 'meta'),
  )
  .map(
    ([key, field]) =>
      `{"order_number":"4219","tags":{"${key}":{"polluted":"yes"}},"${key}":{"polluted":"yes"},"meta":{"by":"x","${key}":{"polluted":"yes"}},"${field}":{"${key}":{"polluted":"yes"}}}`,
  );
const nearArgs = fc
  .record(
    {
      order_number: fc.oneof(fc.stringMatching(/^\d{4}$/), anyValueArb()),
      postcode: fc.oneof(fc.constantFrom('SW1A 1AA', '90210'), anyValueArb()),
      reason: anyValueArb(),
      tags: fc.oneof(fc.dictionary(hostileText(10), fc.string({ maxLength: 10 })), anyValueArb()),
      lines: fc.oneof(fc.array(fc.string({ maxLength: 10 }), { maxLength: 25 }), anyValueArb()),
      meta: anyValueArb(),
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o));

function anyValueArb(): fc.Arbitrary<unknown> {
  return fc.oneof(hostileJson(3), hostileText(30), fc.double(), fc.constant(null));
}

const proposal = fc.record({
  name: fc.oneof(
    fc.constantFrom(...Object.keys(SCHEMAS)),
    fc.constantFrom('__proto__', 'constructor', ''),
    hostileText(20),
  ),
  arguments: fc.oneof(
    nearArgs,
    prototypeKeys,
    hugeString,
    deep,
    hostileText(200),
    hostileJson(4).map((j) => JSON.stringify(j) ?? ''),
  ),
  phase: fc.constantFrom('partial', 'committed') as fc.Arbitrary<'partial' | 'committed'>,
  turnId: fc.nat(5),
});

const STATUSES: ToolOutcomeStatus[] = [
  'executed',
  'rejected',
  'needs_confirmation',
  'failed',
  'timeout',
  'cancelled',
];

describe('tool arguments, fuzzed', () => {
  it('any proposal gets an outcome; tools run only with arguments their schema accepts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(proposal, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (proposals, confirm) => {
          const { gateway, executed, audits } = makeGateway();
          for (const [i, p] of proposals.entries()) {
            if (confirm) gateway.confirmPending(p.turnId);
            const outcome = await gateway.propose(
              { ...p, callId: `call_${i}`, sessionId: 'fuzz' },
              new AbortController().signal,
            );
            expect(STATUSES).toContain(outcome.status);
            if (outcome.status === 'rejected') expect(typeof outcome.reason).toBe('string');
          }
          for (const run of executed) {
            const schema = SCHEMAS[run.name] as z.ZodType;
            expect(schema.safeParse(run.args).success).toBe(true);
            // Strict top level: nothing the schema does not name, prototype keys included.
            expect(Object.getPrototypeOf(run.args)).toBe(Object.prototype);
            expect(JSON.stringify(run.args)).not.toContain('polluted');
          }
          for (const a of audits) expect(() => JSON.stringify(a)).not.toThrow();
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        },
      ),
      fuzzParams(300),
    );
  });

  it('a __proto__ key in a record argument reaches the tool as data, never as its prototype', async () => {
    const { gateway, executed } = makeGateway();
    for (const turnId of [1, 1]) {
      gateway.confirmPending(turnId);
      await gateway.propose(
        {
          callId: `c${executed.length}`,
          name: 'annotate',
          sessionId: 'fuzz',
          turnId,
          phase: 'committed',
          arguments: '{"data":{"__proto__":{"polluted":"yes"},"ok":1}}',
        },
        new AbortController().signal,
      );
    }
    expect(executed).toHaveLength(1);
    const data = (executed[0]!.args as { data: Record<string, unknown> }).data;
    expect(data.polluted).toBeUndefined();
    expect([Object.prototype, null]).toContain(Object.getPrototypeOf(data));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('tool arguments nested thousands deep (fuzz finding)', () => {
  it('are refused with a reason instead of overflowing the stack', async () => {
    const { gateway, executed } = makeGateway();
    const outcome = await gateway.propose(
      {
        callId: 'deep',
        name: 'tag_order',
        sessionId: 'fuzz',
        turnId: 1,
        phase: 'committed',
        arguments: `{"order_number":"4219","tags":${nestedJson(3000, 'array')}}`,
      },
      new AbortController().signal,
    );
    expect(outcome).toMatchObject({ status: 'rejected' });
    expect(outcome.reason).toMatch(/nest 3001 levels deep; the limit is 32/);
    expect(executed).toEqual([]);
  });
});
