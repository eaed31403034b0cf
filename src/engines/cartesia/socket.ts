/**
 * A session's one Cartesia TTS WebSocket, its messages routed to the clause (context) they
 * belong to. Authentication and version go in the `X-API-Key` and `Cartesia-Version` headers,
 * never the query. https://docs.cartesia.ai/api-reference/tts/websocket
 */
import type WebSocket from 'ws';
import { Inbox, type InboxWait } from '../websocket/inbox.js';
import { openWebSocket } from '../websocket/ws-open.js';
import { type CartesiaMessage, parseCartesiaMessage } from './wire.js';

export interface CartesiaSocketConfig {
  /** wss://api.cartesia.ai/tts/websocket or a compatible server. */
  url: string;
  apiKey?: string;
  /** The Cartesia-Version header. */
  version: string;
  connectTimeoutMs: number;
}

export type ContextEvent = CartesiaMessage | { type: 'closed'; code: number; reason: string };

export class CartesiaSocket {
  private readonly contexts = new Map<string, Inbox<ContextEvent>>();
  private closeInfo: { code: number; reason: string } | undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = parseCartesiaMessage(data.toString());
      if (!message) return;
      if (message.contextId !== undefined) {
        this.contexts.get(message.contextId)?.push(message);
      } else if (message.type === 'error') {
        // An error for no context concerns the connection: every clause on it hears it.
        for (const inbox of this.contexts.values()) inbox.push(message);
      }
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      for (const inbox of this.contexts.values()) inbox.push({ type: 'closed', ...this.closeInfo });
    });
    ws.on('error', () => {});
  }

  static async open(cfg: CartesiaSocketConfig, signal?: AbortSignal): Promise<CartesiaSocket> {
    const url = cfg.url.replace(/^http(s?):/, 'ws$1:');
    const ws = await openWebSocket({
      engine: 'cartesia',
      url,
      headers: { 'Cartesia-Version': cfg.version, ...(cfg.apiKey ? { 'X-API-Key': cfg.apiKey } : {}) },
      ...(cfg.apiKey ? { secret: cfg.apiKey } : {}),
      keyVariable: 'CARTESIA_API_KEY',
      urlVariable: 'PARLEY_CARTESIA_URL',
      timeoutMs: cfg.connectTimeoutMs,
      ...(signal ? { signal } : {}),
    });
    return new CartesiaSocket(ws);
  }

  get open(): boolean {
    return this.closeInfo === undefined && this.ws.readyState === this.ws.OPEN;
  }

  /** Starts listening for `contextId`'s messages. */
  listen(contextId: string): {
    next(timeoutMs: number, signal: AbortSignal): Promise<InboxWait<ContextEvent>>;
  } {
    const inbox = new Inbox<ContextEvent>();
    this.contexts.set(contextId, inbox);
    if (this.closeInfo) inbox.push({ type: 'closed', ...this.closeInfo });
    return inbox;
  }

  forget(contextId: string): void {
    this.contexts.delete(contextId);
  }

  send(message: object): void {
    if (this.open) this.ws.send(JSON.stringify(message));
  }

  close(): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(1000);
  }
}
