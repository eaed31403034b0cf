import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseCarrierMessage } from './twilio-messages.js';
import { connectStreamTwiml, parseForm, twilioSignature, validTwilioSignature } from './twilio-webhook.js';

describe('X-Twilio-Signature', () => {
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+12349013030',
    Digits: '1234',
    From: '+12349013030',
    To: '+18005551212',
  };

  it('is base64 HMAC-SHA1 of the URL followed by the sorted parameters as name+value', () => {
    const data = `${url}CallSidCA1234567890ABCDECaller+12349013030Digits1234From+12349013030To+18005551212`;
    const expected = createHmac('sha1', '12345').update(data).digest('base64');
    expect(twilioSignature('12345', url, params)).toBe(expected);
    expect(validTwilioSignature('12345', expected, url, params)).toBe(true);
  });

  it('rejects a missing, truncated or foreign signature, a changed URL and a changed parameter', () => {
    const good = twilioSignature('12345', url, params);
    expect(validTwilioSignature('12345', undefined, url, params)).toBe(false);
    expect(validTwilioSignature('12345', good.slice(0, 10), url, params)).toBe(false);
    expect(validTwilioSignature('54321', good, url, params)).toBe(false);
    expect(validTwilioSignature('12345', good, `${url}&x=1`, params)).toBe(false);
    expect(validTwilioSignature('12345', good, url, { ...params, Digits: '1235' })).toBe(false);
  });

  it('parses form bodies, keeping repeated names', () => {
    expect(parseForm('a=1&b=x+y&a=2')).toEqual({ a: ['1', '2'], b: 'x y' });
  });
});

describe('TwiML', () => {
  it('connects a bidirectional stream with escaped parameters', () => {
    expect(connectStreamTwiml('wss://h/v1/phone/twilio/media', { token: 'a"b<c' })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://h/v1/phone/twilio/media">' +
        '<Parameter name="token" value="a&quot;b&lt;c"/></Stream></Connect></Response>',
    );
  });
});

describe('Media Streams messages', () => {
  it('reads start, media, dtmf, mark and stop as Twilio documents them', () => {
    const start = parseCarrierMessage(
      JSON.stringify({
        event: 'start',
        sequenceNumber: '1',
        start: {
          accountSid: 'AC1',
          streamSid: 'MZ1',
          callSid: 'CA1',
          tracks: ['inbound'],
          customParameters: { token: 't' },
          mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        },
        streamSid: 'MZ1',
      }),
    );
    expect(start).toMatchObject({
      ok: true,
      message: { event: 'start', streamSid: 'MZ1', callSid: 'CA1', customParameters: { token: 't' } },
    });
    const media = parseCarrierMessage(
      JSON.stringify({
        event: 'media',
        media: {
          track: 'inbound',
          chunk: '2',
          timestamp: '40',
          payload: Buffer.from([1, 2, 3]).toString('base64'),
        },
      }),
    );
    expect(media).toMatchObject({ ok: true, message: { event: 'media', timestampMs: 40 } });
    expect(
      parseCarrierMessage('{"event":"dtmf","dtmf":{"track":"inbound_track","digit":"7"}}'),
    ).toMatchObject({
      ok: true,
      message: { digit: '7' },
    });
    expect(parseCarrierMessage('{"event":"mark","mark":{"name":"1:200:1"}}')).toMatchObject({
      ok: true,
      message: { name: '1:200:1' },
    });
    expect(parseCarrierMessage('{"event":"stop","stop":{"callSid":"CA1"}}')).toMatchObject({
      ok: true,
      message: { event: 'stop' },
    });
  });

  it('reports malformed input without throwing', () => {
    expect(parseCarrierMessage('{nope')).toMatchObject({ ok: false, code: 'malformed_json' });
    expect(parseCarrierMessage('{"event":"media","media":{"payload":"%%%"}}')).toMatchObject({
      ok: false,
      code: 'invalid_base64',
    });
    expect(
      parseCarrierMessage(`{"event":"media","media":{"payload":"${'A'.repeat(12_000)}"}}`),
    ).toMatchObject({
      ok: false,
      code: 'media_too_large',
    });
    expect(parseCarrierMessage('{"event":"dtmf","dtmf":{"digit":"12"}}')).toMatchObject({ ok: false });
    expect(parseCarrierMessage('{"event":"bogus"}')).toMatchObject({ ok: false, code: 'unknown_event' });
    expect(parseCarrierMessage(' '.repeat(70_000))).toMatchObject({ ok: false, code: 'message_too_large' });
  });
});
