/** The outgoing half of the protocol: numbered server events on one socket, and error events. */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';

export type Json = Record<string, unknown>;

export class ServerEvents {
  private seq = 0;
  /** The conversation's newest item: each added item names it as `previous_item_id`. */
  lastItemId: string | null = null;

  constructor(private readonly socket: WebSocket) {}

  send(event: Json): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify({ event_id: `event_${++this.seq}`, ...event }));
  }

  /** A client mistake: names the offending `event_id` so the client can match it. */
  error(code: string, message: string, eventId: string | null, param?: string): void {
    this.send({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        code,
        message,
        param: param ?? null,
        event_id: eventId,
      },
    });
  }
}

export function newItemId(): string {
  return `item_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
}
