import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { VirtualClock } from '../clock.js';
import type { SessionOptions } from '../conversation/options.js';
import { InputPacer } from '../media/input-pacer.js';
import { RealtimeInput } from './input.js';
import { ServerEvents } from './server-events.js';
import { RealtimeSessionConfig } from './session-config.js';

function setup() {
  const sent: { type: string; error?: { code: string; event_id: string | null } }[] = [];
  const socket = { OPEN: 1, readyState: 1, send: (text: string) => sent.push(JSON.parse(text)) };
  const events = new ServerEvents(socket as unknown as WebSocket);
  const config = new RealtimeSessionConfig({
    parleySessionId: 'p1',
    model: 'm',
    options: {} as SessionOptions,
    turnDetection: {
      type: 'server_vad',
      threshold: 0.5,
      prefix_padding_ms: 300,
      silence_duration_ms: 500,
      create_response: true,
      interrupt_response: true,
      idle_timeout_ms: null,
    },
  });
  const clock = new VirtualClock();
  let pushedSamples = 0;
  const input = new RealtimeInput(
    events,
    config,
    (samples) => {
      pushedSamples += samples.length;
    },
    new InputPacer({ clock, burstMs: 2000 }),
  );
  return { input, sent, clock, pushedMs: () => pushedSamples / 16 };
}

/** `ms` of 24 kHz pcm16 silence, base64 (the Realtime default input format). */
const pcm24k = (ms: number) => Buffer.alloc(ms * 24 * 2).toString('base64');

describe('RealtimeInput pacing', () => {
  it('input_audio_buffer.append of 300 s at once is cut to real time + 2 s, with one audio_too_fast (finding 7)', async () => {
    const { input, sent, clock, pushedMs } = setup();
    await clock.advance(500);
    const two = pcm24k(2000);
    for (let i = 0; i < 150; i++) expect(input.append(two, `evt_${i}`)).toBeUndefined();
    expect(pushedMs()).toBeLessThanOrEqual(500 + 2000 + 20);
    const errors = sent.filter((e) => e.type === 'error');
    expect(errors.map((e) => e.error?.code)).toEqual(['audio_too_fast']);
    expect(errors[0]?.error?.event_id).toBe('evt_1');
    // Real-time appends afterwards are taken again.
    await clock.advance(100);
    const before = pushedMs();
    input.append(pcm24k(20), 'evt_late');
    expect(pushedMs()).toBeGreaterThan(before);
  });
});
