/**
 * The caller's side of the conversation: appended audio into the session, the turn detector's
 * speech and commit events as `input_audio_buffer.*`, and the user items they and typed text make.
 */
import { SESSION_SAMPLE_RATE } from '../audio/frame.js';
import { AUDIO_TOO_FAST, type InputPacer } from '../media/input-pacer.js';
import type { RealtimeSessionConfig } from './session-config.js';
import { newItemId, type ServerEvents } from './server-events.js';

export class RealtimeInput {
  /** The user item of the turn being spoken, by Parley turn id. */
  private readonly userItems = new Map<number, string>();
  private speakingItemId: string | undefined;
  /** User text items added by `conversation.item.create`, waiting for `response.create`. */
  private pendingText: string[] = [];

  constructor(
    private readonly events: ServerEvents,
    private readonly config: RealtimeSessionConfig,
    private readonly pushSamples: (samples: Int16Array) => void,
    /** Holds appended audio to real time plus a burst allowance (the excess is dropped, reported once). */
    private readonly pacer?: InputPacer,
  ) {}

  /** Decodes and feeds one append; returns the decoder's complaint instead when it has one. */
  append(audio: string, eventId: string | null = null): { error: string } | undefined {
    const samples = this.config.decodeInput(audio);
    if ('error' in samples) return samples;
    const decision = this.pacer?.admit((samples.length * 1000) / SESSION_SAMPLE_RATE);
    if (!decision || decision.accept) this.pushSamples(samples);
    else if (decision.report && this.pacer)
      this.events.error(AUDIO_TOO_FAST, this.pacer.message(), eventId, 'audio');
    return undefined;
  }

  commit(eventId: string | null): void {
    // The turn detector commits turns itself (input_audio_buffer.committed follows); an explicit
    // commit outside a spoken turn has nothing to commit.
    if (this.speakingItemId === undefined) {
      this.events.error(
        'input_audio_buffer_commit_empty',
        'no speech is buffered: Parley commits spoken turns itself when the caller stops',
        eventId,
      );
    }
  }

  clear(): void {
    this.config.resetInput();
    this.events.send({ type: 'input_audio_buffer.cleared' });
  }

  speechStarted(atMs: number): void {
    const itemId = newItemId();
    this.speakingItemId = itemId;
    this.events.send({
      type: 'input_audio_buffer.speech_started',
      audio_start_ms: Math.round(atMs),
      item_id: itemId,
    });
  }

  speechStopped(atMs: number): void {
    if (this.speakingItemId)
      this.events.send({
        type: 'input_audio_buffer.speech_stopped',
        audio_end_ms: Math.round(atMs),
        item_id: this.speakingItemId,
      });
  }

  /** A spoken turn ended: its audio becomes a user item carrying the transcript. */
  turnCommitted(turnId: number, text: string): void {
    const events = this.events;
    const itemId = this.speakingItemId ?? newItemId();
    this.speakingItemId = undefined;
    this.userItems.set(turnId, itemId);
    events.send({
      type: 'input_audio_buffer.committed',
      previous_item_id: events.lastItemId,
      item_id: itemId,
    });
    const item = {
      id: itemId,
      type: 'message',
      object: 'realtime.item',
      role: 'user',
      status: 'completed',
      content: [{ type: 'input_audio', transcript: text }],
    };
    events.send({ type: 'conversation.item.added', previous_item_id: events.lastItemId, item });
    events.send({
      type: 'conversation.item.input_audio_transcription.completed',
      item_id: itemId,
      content_index: 0,
      transcript: text,
    });
    events.send({ type: 'conversation.item.done', previous_item_id: events.lastItemId, item });
    events.lastItemId = itemId;
  }

  /** A typed user item: added to the conversation now, submitted on the next `response.create`. */
  addText(id: string | undefined, text: string): void {
    const events = this.events;
    const created = {
      id: id ?? newItemId(),
      type: 'message',
      object: 'realtime.item',
      role: 'user',
      status: 'completed',
      content: [{ type: 'input_text', text }],
    };
    events.send({ type: 'conversation.item.added', previous_item_id: events.lastItemId, item: created });
    events.send({ type: 'conversation.item.done', previous_item_id: events.lastItemId, item: created });
    events.lastItemId = created.id;
    this.pendingText.push(text);
  }

  hasPendingText(): boolean {
    return this.pendingText.length > 0;
  }

  /** The typed text waiting for a response, joined, and no longer waiting. */
  takePendingText(): string {
    return this.pendingText.splice(0).join(' ');
  }
}
