/**
 * The base URL clients are told to reach this server at (the media URLs of a new session). It is
 * never taken from the request's `Host` header, which any client can set: it is the configured
 * public URL (`PARLEY_PUBLIC_URL`, e.g. behind a proxy or on a LAN address), else the address the
 * server listens on.
 */
import type { AddressInfo } from 'node:net';

/** A public base URL, checked: http(s), no query or fragment, no trailing slash. */
export function parsePublicUrl(raw: string | undefined, source: string): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(
      `${source} must be an absolute http(s) URL such as https://parley.example.com, got '${raw}'`,
    );
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username) {
    throw new Error(`${source} must be an http(s) URL without query, fragment or credentials, got '${raw}'`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** `http://host:port` of a listening server; a wildcard address (0.0.0.0, ::) reads as loopback. */
export function listeningOrigin(address: AddressInfo | string | null): string {
  if (!address || typeof address === 'string') return 'http://127.0.0.1';
  let host = address.address;
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::') host = '::1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/** Whether a bind address accepts connections on every interface. */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** The session media URLs under a base URL. */
export function mediaUrls(base: string): { webrtc: string; websocket: string } {
  return { webrtc: `${base}/v1/media/webrtc`, websocket: `${base.replace(/^http/i, 'ws')}/v1/media/ws` };
}
