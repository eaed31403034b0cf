/**
 * What every local provider server does alike: listen on an ephemeral port of 127.0.0.1,
 * close with its connections, read bodies, refuse a WebSocket handshake with an HTTP answer,
 * and write 16-bit little-endian PCM.
 */
import { once } from 'node:events';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  STATUS_CODES,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';

/** Starts listening on 127.0.0.1 (an ephemeral port); the port. */
export async function listenLocal(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Drops every open connection (streams still running included), then closes the server. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function pcmBytes(samples: Int16Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] as number, i * 2);
  return out;
}

/** Answers a WebSocket handshake with an HTTP error and a JSON body, as the services do. */
export function refuseUpgrade(
  socket: Socket,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(text)}`,
    'Connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${text}`);
}

export interface UpgradeServer {
  wss: WebSocketServer;
  port: number;
  /** Terminates every socket, then closes the server. */
  close(): Promise<void>;
}

/** A server for WebSocket handshakes, which `onUpgrade` accepts (`wss.handleUpgrade`) or refuses. */
export async function startUpgradeServer(
  onUpgrade: (req: IncomingMessage, socket: Socket, head: Buffer, wss: WebSocketServer) => void,
  opts: { onRequest?: RequestListener; perMessageDeflate?: boolean } = {},
): Promise<UpgradeServer> {
  const http = createServer(opts.onRequest ?? ((_req, res) => void res.writeHead(404).end()));
  const wss = new WebSocketServer({
    noServer: true,
    ...(opts.perMessageDeflate === undefined ? {} : { perMessageDeflate: opts.perMessageDeflate }),
  });
  http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
    onUpgrade(req, socket, head, wss),
  );
  const port = await listenLocal(http);
  return {
    wss,
    port,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await closeServer(http);
    },
  };
}
