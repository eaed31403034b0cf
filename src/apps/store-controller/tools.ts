/** The store controller's tools: the package tracker's four plus returns and the refund policy. */
import { z } from 'zod';
import { defineTool, type ToolDefinition } from '../../index.js';
import type { OrderStore } from '../package-tracker/orders.js';
import { createPackageTrackerTools } from '../package-tracker/tools.js';
import {
  type Eligibility,
  POLICY_TOPICS,
  type PolicyTopic,
  REFUND_METHODS,
  type RefundMethod,
  RETURN_REASONS,
  type ReturnReason,
  type ReturnRefusal,
  type ReturnStore,
} from './returns.js';

export const RETURN_TOOLS = {
  eligibility: 'get_return_eligibility',
  start: 'start_return',
  policy: 'get_refund_policy',
} as const;

const orderNumber = z.string().regex(/^\d{4}$/, 'an order number is 4 digits');

export const startReturnArgs = z.strictObject({
  order_number: orderNumber,
  reason: z.enum(RETURN_REASONS),
  refund_method: z.enum(REFUND_METHODS),
});
export type StartReturnArgs = z.infer<typeof startReturnArgs>;

export type StartReturnResult =
  | { orderNumber: string; started: true; returnId: number; reason: ReturnReason; refundMethod: RefundMethod }
  | { orderNumber: string; started: false; refusal: ReturnRefusal };

export interface PolicyResult {
  topic: PolicyTopic;
  policy: string;
}

export function createReturnTools(store: ReturnStore): ToolDefinition[] {
  return [
    defineTool({
      name: RETURN_TOOLS.eligibility,
      description:
        'Checks whether an order can be returned: it must be delivered, not cancelled and not already returned.',
      schema: z.strictObject({ order_number: orderNumber }),
      kind: 'read-only',
      timeoutMs: 2000,
      execute: ({ order_number }, ctx): Eligibility => store.eligibility(order_number, ctx.tenant),
    }),
    defineTool({
      name: RETURN_TOOLS.start,
      description:
        'Starts a return for a delivered order, with the reason and how to refund. Ask the caller to confirm first.',
      schema: startReturnArgs,
      kind: 'needs-confirmation',
      timeoutMs: 3000,
      execute({ order_number, reason, refund_method }, ctx): StartReturnResult {
        const check = store.eligibility(order_number, ctx.tenant);
        if (!check.eligible) return { orderNumber: order_number, started: false, refusal: check.refusal };
        const returnId = store.record(order_number, reason, refund_method, ctx.sessionId, ctx.tenant);
        // Another call may have returned it between the check and the insert.
        if (returnId === undefined)
          return { orderNumber: order_number, started: false, refusal: 'already_returned' };
        return { orderNumber: order_number, started: true, returnId, reason, refundMethod: refund_method };
      },
    }),
    defineTool({
      name: RETURN_TOOLS.policy,
      description:
        'The store refund policy on a topic: overview, refund_timing, store_credit, return_window, return_shipping, damaged_items.',
      schema: z.strictObject({ topic: z.enum(POLICY_TOPICS) }),
      kind: 'read-only',
      timeoutMs: 2000,
      execute: ({ topic }): PolicyResult => ({ topic, policy: store.policy(topic) }),
    }),
  ];
}

export function createStoreControllerTools(orders: OrderStore, returns: ReturnStore): ToolDefinition[] {
  return [...createPackageTrackerTools(orders), ...createReturnTools(returns)];
}
