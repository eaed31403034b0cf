/**
 * The agent's side of the conversation: each Parley reply as a Realtime response, with its
 * assistant audio item (audio and transcript deltas), function-call items and `response.done`;
 * and the client's cancel and truncate of them.
 */
import { randomUUID } from 'node:crypto';
import { type AudioFrame, SESSION_SAMPLE_RATE } from '../audio/frame.js';
import type { SessionApi } from '../conversation/api.js';
import type { RealtimeSessionConfig } from './session-config.js';
import { type Json, newItemId, type ServerEvents } from './server-events.js';

interface OpenResponse {
  id: string;
  turnId: number;
  /** The assistant message item carrying audio and transcript, once there is any. */
  messageItemId?: string;
  outputIndex: number;
  transcript: string;
  /** Agent audio sent for the message item, ms. */
  audioMs: number;
  output: Json[];
  cancelledByClient: boolean;
}

export class RealtimeResponses {
  /** Responses by Parley turn id; the newest one open gets the agent audio. */
  private readonly responses = new Map<number, OpenResponse>();
  private current: OpenResponse | undefined;
  /** Assistant message items by id, for truncation. */
  private readonly assistantItems = new Map<string, OpenResponse>();

  constructor(
    private readonly events: ServerEvents,
    private readonly config: RealtimeSessionConfig,
    private readonly session: SessionApi,
  ) {}

  hasOpen(): boolean {
    return this.responses.size > 0;
  }

  open(turnId: number): void {
    this.responseFor(turnId);
  }

  /** The turn's response, opened (`response.created`) on first need. */
  private responseFor(turnId: number): OpenResponse {
    const existing = this.responses.get(turnId);
    if (existing) return existing;
    const response: OpenResponse = {
      id: `resp_${randomUUID().replaceAll('-', '').slice(0, 20)}`,
      turnId,
      outputIndex: 0,
      transcript: '',
      audioMs: 0,
      output: [],
      cancelledByClient: false,
    };
    this.responses.set(turnId, response);
    this.current = response;
    this.events.send({
      type: 'response.created',
      response: {
        object: 'realtime.response',
        id: response.id,
        status: 'in_progress',
        status_details: null,
        output: [],
        conversation_id: this.config.id,
        output_modalities: ['audio'],
        audio: this.config.describeResponseAudio(),
        usage: null,
        metadata: null,
      },
    });
    return response;
  }

  /** The assistant message item of a response, opened on its first audio or transcript. */
  private messageItem(response: OpenResponse): string {
    if (response.messageItemId) return response.messageItemId;
    const events = this.events;
    const itemId = newItemId();
    response.messageItemId = itemId;
    response.outputIndex = response.output.length;
    this.assistantItems.set(itemId, response);
    const item = {
      id: itemId,
      type: 'message',
      object: 'realtime.item',
      role: 'assistant',
      status: 'in_progress',
      content: [],
    };
    const at = { response_id: response.id, output_index: response.outputIndex };
    events.send({ type: 'response.output_item.added', ...at, item });
    events.send({ type: 'conversation.item.added', previous_item_id: events.lastItemId, item });
    events.lastItemId = itemId;
    events.send({
      type: 'response.content_part.added',
      ...at,
      item_id: itemId,
      content_index: 0,
      part: { type: 'audio', transcript: '' },
    });
    response.output.push(item);
    return itemId;
  }

  addTranscript(turnId: number, text: string): void {
    const response = this.responseFor(turnId);
    const itemId = this.messageItem(response);
    const delta = response.transcript ? ` ${text}` : text;
    response.transcript += delta;
    this.events.send({
      type: 'response.output_audio_transcript.delta',
      response_id: response.id,
      item_id: itemId,
      output_index: response.outputIndex,
      content_index: 0,
      delta,
    });
  }

  addAudio(frame: AudioFrame): void {
    const response = this.current;
    if (!response) return;
    const itemId = this.messageItem(response);
    response.audioMs += (frame.samples.length * 1000) / SESSION_SAMPLE_RATE;
    this.events.send({
      type: 'response.output_audio.delta',
      response_id: response.id,
      item_id: itemId,
      output_index: response.outputIndex,
      content_index: 0,
      delta: this.config.encodeOutput(frame.samples),
    });
  }

  /** The agent's own tool call, shown complete at once (its arguments arrive whole). */
  addFunctionCall(turnId: number, callId: string, name: string, args: string): void {
    const events = this.events;
    const response = this.responseFor(turnId);
    const itemId = newItemId();
    const outputIndex = response.output.length;
    const item: Json = {
      id: itemId,
      type: 'function_call',
      object: 'realtime.item',
      status: 'in_progress',
      call_id: callId,
      name,
      arguments: '',
    };
    response.output.push(item);
    const at = { response_id: response.id, output_index: outputIndex };
    events.send({ type: 'response.output_item.added', ...at, item });
    events.send({ type: 'conversation.item.added', previous_item_id: events.lastItemId, item });
    events.lastItemId = itemId;
    events.send({
      type: 'response.function_call_arguments.delta',
      ...at,
      item_id: itemId,
      call_id: callId,
      delta: args,
    });
    events.send({
      type: 'response.function_call_arguments.done',
      ...at,
      item_id: itemId,
      call_id: callId,
      name,
      arguments: args,
    });
    const done = { ...item, status: 'completed', arguments: args };
    response.output[outputIndex] = done;
    events.send({ type: 'response.output_item.done', ...at, item: done });
    events.send({ type: 'conversation.item.done', previous_item_id: null, item: done });
  }

  /** The agent ran its own tool: its output joins the conversation for the client to see. */
  addFunctionOutput(callId: string, status: string, result: unknown): void {
    const events = this.events;
    const itemId = newItemId();
    const item = {
      id: itemId,
      type: 'function_call_output',
      object: 'realtime.item',
      status: 'completed',
      call_id: callId,
      output: JSON.stringify({ status, ...(result !== undefined ? { result } : {}) }),
    };
    events.send({ type: 'conversation.item.added', previous_item_id: events.lastItemId, item });
    events.send({ type: 'conversation.item.done', previous_item_id: events.lastItemId, item });
    events.lastItemId = itemId;
  }

  close(turnId: number, interrupted: boolean): void {
    const response = this.responses.get(turnId);
    if (!response) return;
    this.responses.delete(turnId);
    if (this.current === response) this.current = [...this.responses.values()].at(-1);
    if (response.messageItemId) this.closeMessageItem(response, response.messageItemId, interrupted);
    this.events.send({
      type: 'response.done',
      response: {
        object: 'realtime.response',
        id: response.id,
        status: interrupted ? 'cancelled' : 'completed',
        status_details: interrupted
          ? { type: 'cancelled', reason: response.cancelledByClient ? 'client_cancelled' : 'turn_detected' }
          : null,
        output: response.output,
        conversation_id: this.config.id,
        output_modalities: ['audio'],
        audio: this.config.describeResponseAudio(),
        usage: null,
        metadata: { parley_turn_id: String(turnId) },
      },
    });
  }

  private closeMessageItem(response: OpenResponse, itemId: string, interrupted: boolean): void {
    const events = this.events;
    const at = {
      response_id: response.id,
      output_index: response.outputIndex,
      item_id: itemId,
      content_index: 0,
    };
    events.send({ type: 'response.output_audio.done', ...at });
    events.send({ type: 'response.output_audio_transcript.done', ...at, transcript: response.transcript });
    events.send({
      type: 'response.content_part.done',
      ...at,
      part: { type: 'audio', transcript: response.transcript },
    });
    const item = {
      id: itemId,
      type: 'message',
      object: 'realtime.item',
      role: 'assistant',
      status: interrupted ? 'incomplete' : 'completed',
      content: [{ type: 'output_audio', transcript: response.transcript }],
    };
    response.output[response.outputIndex] = item;
    events.send({
      type: 'response.output_item.done',
      response_id: response.id,
      output_index: response.outputIndex,
      item,
    });
    events.send({ type: 'conversation.item.done', previous_item_id: null, item });
  }

  /** `response.cancel`: stops the reply being spoken; its `response.done` reports the cancel. */
  cancel(eventId: string | null): void {
    const open = this.current;
    if (!open || !this.session.cancelReply) {
      this.events.error('response_cancel_not_active', 'there is no response in progress to cancel', eventId);
      return;
    }
    open.cancelledByClient = true;
    if (!this.session.cancelReply()) {
      open.cancelledByClient = false;
      this.events.error('response_cancel_not_active', 'the response has already finished', eventId);
    }
  }

  /** `conversation.item.truncate`: the client played only `audioEndMs` of an assistant item. */
  truncate(itemId: string, audioEndMs: number, eventId: string | null): void {
    const response = this.assistantItems.get(itemId);
    if (!response) {
      this.events.error('item_not_found', `no assistant audio item '${itemId}'`, eventId, 'item_id');
      return;
    }
    if (audioEndMs > response.audioMs + 1) {
      this.events.error(
        'invalid_value',
        `audio_end_ms ${audioEndMs} is past the ${Math.round(response.audioMs)} ms of audio sent for this item`,
        eventId,
        'audio_end_ms',
      );
      return;
    }
    if (this.responses.get(response.turnId) === response && this.session.cancelReply) {
      // Still playing: everything sent past audio_end_ms is in flight, so the session's heard
      // estimate uses that as the output latency and cuts the reply there, as a barge-in would.
      this.session.setOutputLatencyMs(Math.max(0, response.audioMs - audioEndMs));
      response.cancelledByClient = true;
      this.session.cancelReply();
    }
    // A finished reply's history already holds what the session judged heard (see docs/realtime.md).
    this.events.send({
      type: 'conversation.item.truncated',
      item_id: itemId,
      content_index: 0,
      audio_end_ms: audioEndMs,
    });
  }
}
