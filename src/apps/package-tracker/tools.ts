/** The package tracker's tools. Results are plain data; the dialogue engine (or an LLM) phrases them. */
import { z } from 'zod';
import type { ToolDefinition } from '../../index.js';
import type { OrderStatus, OrderStore } from './orders.js';

const orderNumber = z.string().regex(/^\d{3,8}$/, 'an order number is 3 to 8 digits');

export const orderArgs = z.strictObject({ order_number: orderNumber });
export type OrderArgs = z.infer<typeof orderArgs>;

export const transferArgs = z.strictObject({
  reason: z.string().max(200).optional(),
  order_number: orderNumber.optional(),
});
export type TransferArgs = z.infer<typeof transferArgs>;

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

export type CancelResult =
  | { orderNumber: string; cancelled: true }
  | { orderNumber: string; cancelled: false; refusal: 'not_found' | 'delivered' | 'already_cancelled' };

export type TrackingLinkResult =
  | { orderNumber: string; sent: true; phoneLast4: string; messageId: number }
  | { orderNumber: string; sent: false; refusal: 'not_found' | 'cancelled' };

export interface TransferResult {
  transferred: true;
  ticket: number;
}

export const TOOL_NAMES = {
  status: 'get_order_status',
  link: 'send_tracking_link',
  cancel: 'cancel_order',
  human: 'transfer_to_human',
} as const;

export function createPackageTrackerTools(
  store: OrderStore,
): [
  ToolDefinition<OrderArgs, OrderStatusResult>,
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
      async execute({ order_number }) {
        const order = store.find(order_number);
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
      name: TOOL_NAMES.link,
      description: "Texts the order's tracking link to the phone number on the order.",
      schema: orderArgs,
      effect: 'side_effect',
      cancellable: false,
      async execute({ order_number }, ctx) {
        const order = store.find(order_number);
        if (!order) return { orderNumber: order_number, sent: false, refusal: 'not_found' };
        if (order.cancelled) return { orderNumber: order_number, sent: false, refusal: 'cancelled' };
        const body = `Your order ${order.number} ships with ${order.carrier}: ${order.trackingUrl}`;
        const messageId = store.recordMessage(ctx.sessionId, order.number, order.customerPhone, body);
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
      description: 'Cancels an order that has not been delivered yet. Ask the caller to confirm first.',
      schema: orderArgs,
      effect: 'needs_confirmation',
      cancellable: false,
      async execute({ order_number }) {
        const order = store.find(order_number);
        if (!order) return { orderNumber: order_number, cancelled: false, refusal: 'not_found' };
        if (order.status === 'delivered')
          return { orderNumber: order_number, cancelled: false, refusal: 'delivered' };
        if (!store.cancel(order_number)) {
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
        const ticket = store.recordTransfer(
          ctx.sessionId,
          reason ?? 'caller asked for a person',
          order_number,
        );
        return { transferred: true, ticket };
      },
    },
  ];
}
