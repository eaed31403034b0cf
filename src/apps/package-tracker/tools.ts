/** The package tracker's tools. Results are plain data; the dialogue engine (or an LLM) phrases them. */
import { z } from 'zod';
import { DEFAULT_TENANT, type ToolContext, type ToolDefinition } from '../../index.js';
import type { OrderStatus, OrderStore } from './orders.js';

const orderNumber = z.string().regex(/^\d{3,8}$/, 'an order number is 3 to 8 digits');

export const orderArgs = z.strictObject({ order_number: orderNumber });
export type OrderArgs = z.infer<typeof orderArgs>;

export const transferArgs = z.strictObject({
  reason: z.string().max(200).optional(),
  order_number: orderNumber.optional(),
});
export type TransferArgs = z.infer<typeof transferArgs>;

export const verifyArgs = z.strictObject({
  order_number: orderNumber,
  /** What the caller said or keyed as the postcode on the order. */
  postcode: z
    .string()
    .max(16)
    .regex(/^[A-Za-z0-9 ]{3,16}$/, 'a postcode is 3 to 10 letters and digits'),
});
export type VerifyArgs = z.infer<typeof verifyArgs>;

export type OrderStatusResult =
  | { found: false; orderNumber: string }
  | {
      found: true;
      orderNumber: string;
      orderStatus: OrderStatus;
      carrier: string;
      eta: string;
      delayReason: string | null;
      cancelled: boolean;
    };

/** The caller check's answer; `attemptsLeft` 0 means the agent stops asking and offers a person. */
export type VerifyResult =
  | { orderNumber: string; verified: true }
  | { orderNumber: string; verified: false; attemptsLeft: number };

/** `not_verified`: the caller has not passed the check for this order in this call. */
export type CancelResult =
  | { orderNumber: string; cancelled: true }
  | {
      orderNumber: string;
      cancelled: false;
      refusal: 'not_found' | 'delivered' | 'already_cancelled' | 'not_verified';
    };

export type TrackingLinkResult =
  | { orderNumber: string; sent: true; phoneLast4: string; messageId: number }
  | { orderNumber: string; sent: false; refusal: 'not_found' | 'cancelled' | 'not_verified' };

export interface TransferResult {
  transferred: true;
  ticket: number;
}

export const TOOL_NAMES = {
  status: 'get_order_status',
  verify: 'verify_caller',
  link: 'send_tracking_link',
  cancel: 'cancel_order',
  human: 'transfer_to_human',
} as const;

/** The session's tenant; a context built by hand (a test) may lack one. */
function tenantOf(ctx: ToolContext): string {
  return ctx.tenant || DEFAULT_TENANT;
}

/**
 * Status is not personal and needs no check. Sending the tracking link (it reads out the phone
 * digits and the link shows the address) and cancelling need the caller check first; the tools
 * themselves refuse otherwise, whatever the brain proposes. A transfer needs none: it is the way
 * out for a caller who cannot pass the check, and it notes whether they did.
 */
export function createPackageTrackerTools(
  store: OrderStore,
): [
  ToolDefinition<OrderArgs, OrderStatusResult>,
  ToolDefinition<VerifyArgs, VerifyResult>,
  ToolDefinition<OrderArgs, TrackingLinkResult>,
  ToolDefinition<OrderArgs, CancelResult>,
  ToolDefinition<TransferArgs, TransferResult>,
] {
  return [
    {
      name: TOOL_NAMES.status,
      description: 'Looks up an order: status, carrier, expected arrival and any delay reason.',
      schema: orderArgs,
      effect: 'read_only',
      timeoutMs: 2000,
      async execute({ order_number }, ctx) {
        const order = store.find(order_number, tenantOf(ctx));
        if (!order) return { found: false, orderNumber: order_number };
        return {
          found: true,
          orderNumber: order.number,
          orderStatus: order.status,
          carrier: order.carrier,
          eta: order.eta,
          delayReason: order.delayReason,
          cancelled: order.cancelled,
        };
      },
    },
    {
      name: TOOL_NAMES.verify,
      description:
        'Checks that the caller is the customer: the postcode they give must be the one on the order. Needed before cancelling or sending the tracking link. Never say the postcode on file.',
      schema: verifyArgs,
      // Its record of attempts is a side effect: it runs only on a committed turn.
      effect: 'side_effect',
      cancellable: false,
      timeoutMs: 2000,
      async execute({ order_number, postcode }, ctx) {
        const check = store.checkCaller(tenantOf(ctx), ctx.sessionId, order_number, postcode);
        return { orderNumber: order_number, ...check };
      },
    },
    {
      name: TOOL_NAMES.link,
      description:
        "Texts the order's tracking link to the phone number on the order. Only after verify_caller succeeded for this order.",
      schema: orderArgs,
      effect: 'side_effect',
      cancellable: false,
      async execute({ order_number }, ctx) {
        const tenant = tenantOf(ctx);
        const order = store.find(order_number, tenant);
        if (!order) return { orderNumber: order_number, sent: false, refusal: 'not_found' };
        if (!store.isVerified(tenant, ctx.sessionId, order_number))
          return { orderNumber: order_number, sent: false, refusal: 'not_verified' };
        if (order.cancelled) return { orderNumber: order_number, sent: false, refusal: 'cancelled' };
        const body = `Your order ${order.number} ships with ${order.carrier}: ${order.trackingUrl}`;
        const messageId = store.recordMessage(ctx.sessionId, order.number, order.customerPhone, body, tenant);
        return {
          orderNumber: order.number,
          sent: true,
          phoneLast4: order.customerPhone.slice(-4),
          messageId,
        };
      },
    },
    {
      name: TOOL_NAMES.cancel,
      description:
        'Cancels an order that has not been delivered yet. Only after verify_caller succeeded for this order; ask the caller to confirm first.',
      schema: orderArgs,
      effect: 'needs_confirmation',
      cancellable: false,
      async execute({ order_number }, ctx) {
        const tenant = tenantOf(ctx);
        const order = store.find(order_number, tenant);
        if (!order) return { orderNumber: order_number, cancelled: false, refusal: 'not_found' };
        if (!store.isVerified(tenant, ctx.sessionId, order_number))
          return { orderNumber: order_number, cancelled: false, refusal: 'not_verified' };
        if (order.status === 'delivered')
          return { orderNumber: order_number, cancelled: false, refusal: 'delivered' };
        if (!store.cancel(order_number, tenant)) {
          return { orderNumber: order_number, cancelled: false, refusal: 'already_cancelled' };
        }
        return { orderNumber: order_number, cancelled: true };
      },
    },
    {
      name: TOOL_NAMES.human,
      description: 'Transfers the caller to a human agent.',
      schema: transferArgs,
      effect: 'side_effect',
      cancellable: false,
      async execute({ reason, order_number }, ctx) {
        const tenant = tenantOf(ctx);
        const verified = order_number !== undefined && store.isVerified(tenant, ctx.sessionId, order_number);
        const ticket = store.recordTransfer(
          ctx.sessionId,
          reason ?? 'caller asked for a person',
          order_number,
          tenant,
          verified,
        );
        return { transferred: true, ticket };
      },
    },
  ];
}
