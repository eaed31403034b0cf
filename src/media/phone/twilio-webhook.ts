/**
 * Twilio call setup: the `X-Twilio-Signature` check and the TwiML that connects a call to the
 * media route.
 *
 * Signature, per https://www.twilio.com/docs/usage/webhooks/webhooks-security ("Authenticate with
 * signatures"): take the full webhook URL as Twilio called it (scheme, host, path and query), append
 * every POST parameter sorted by name as name followed by value with no separators, HMAC-SHA1 the
 * string with the account auth token, base64 the digest.
 *
 * TwiML, per https://www.twilio.com/docs/voice/twiml/stream: `<Connect><Stream url="wss://…">` opens a
 * bidirectional Media Stream; `<Parameter name value>` children arrive in the `start` message's
 * `customParameters`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Form parameters as received: a name may repeat. */
export type FormParams = Record<string, string | string[]>;

/** Parses an `application/x-www-form-urlencoded` body, keeping repeated names. */
export function parseForm(body: string): FormParams {
  const out: FormParams = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const prior = out[key];
    if (prior === undefined) out[key] = value;
    else if (Array.isArray(prior)) prior.push(value);
    else out[key] = [prior, value];
  }
  return out;
}

/** The expected `X-Twilio-Signature` for a form-encoded request to `url`. */
export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    // Repeated names: each value in order of value, as Twilio's helper libraries do.
    const values = Array.isArray(value) ? [...value].sort() : [value ?? ''];
    for (const v of values) data += key + v;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** True when `signature` is the one Twilio would send; compares digests in constant time. */
export function validTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: FormParams,
): boolean {
  if (!signature || !authToken) return false;
  const expected = Buffer.from(twilioSignature(authToken, url, params), 'base64');
  const given = Buffer.from(signature, 'base64');
  if (given.length !== expected.length) {
    // Still spend a comparison so a short signature takes as long as a wrong one.
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(expected, given);
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** `<Response><Connect><Stream url>` with one `<Parameter>` per entry. */
export function connectStreamTwiml(streamUrl: string, parameters: Record<string, string>): string {
  const params = Object.entries(parameters)
    .map(([name, value]) => `<Parameter name="${escapeXml(name)}" value="${escapeXml(value)}"/>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<Response><Connect><Stream url="${escapeXml(streamUrl)}">${params}</Stream></Connect></Response>`
  );
}

/** A polite refusal the carrier speaks before hanging up (at capacity, engines down). */
export function sayAndHangUpTwiml(text: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Say>${escapeXml(text)}</Say><Hangup/></Response>`;
}
