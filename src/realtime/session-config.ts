/**
 * The Realtime session as the client sees it: instructions, voice, audio formats (and the codecs
 * they imply) and turn detection, reported in `session.created` / `session.updated`.
 */
import { randomUUID } from 'node:crypto';
import type { SessionOptions } from '../conversation/options.js';
import { describeFormat, InputDecoder, OutputEncoder, type RealtimeAudioFormat } from './audio-codec.js';
import type { Json } from './server-events.js';
import { describeTurnDetection, type TurnDetection } from './turn-detection.js';

/** A Realtime session as a client asked for it (on connecting, or with a client secret). */
export interface RealtimeSessionRequest {
  /** The model name the client asked for (reported back; the agent answers whatever it is). */
  model: string;
  /** Effective session options (fixed at creation), to report turn detection truthfully. */
  options: SessionOptions;
  /** Turn detection the session was created with, when a client secret asked for one. */
  turnDetection?: TurnDetection;
  /** Instructions and voice given at creation (client secret). */
  instructions?: string;
  voice?: string;
  inputFormat?: RealtimeAudioFormat;
  outputFormat?: RealtimeAudioFormat;
}

export interface SessionConfigInit extends RealtimeSessionRequest {
  /** The Parley session behind this Realtime session. */
  parleySessionId: string;
}

export class RealtimeSessionConfig {
  readonly id = `sess_${randomUUID().replaceAll('-', '')}`;
  instructions: string;
  voice: string;
  private readonly turnDetection: TurnDetection;
  private inputFormat: RealtimeAudioFormat;
  private outputFormat: RealtimeAudioFormat;
  private decoder: InputDecoder;
  private encoder: OutputEncoder;

  constructor(private readonly init: SessionConfigInit) {
    this.inputFormat = init.inputFormat ?? 'pcm16';
    this.outputFormat = init.outputFormat ?? 'pcm16';
    this.decoder = new InputDecoder(this.inputFormat);
    this.encoder = new OutputEncoder(this.outputFormat);
    this.instructions = init.instructions ?? '';
    this.voice = init.voice ?? 'parley';
    this.turnDetection = init.turnDetection ?? describeTurnDetection(init.options);
  }

  /** Switching formats starts a fresh codec; keeping the same one keeps its resampler state. */
  setInputFormat(format: RealtimeAudioFormat): void {
    if (format === this.inputFormat) return;
    this.inputFormat = format;
    this.decoder = new InputDecoder(format);
  }

  setOutputFormat(format: RealtimeAudioFormat): void {
    if (format === this.outputFormat) return;
    this.outputFormat = format;
    this.encoder = new OutputEncoder(format);
  }

  decodeInput(base64: string): Int16Array | { error: string } {
    return this.decoder.decode(base64);
  }

  resetInput(): void {
    this.decoder.reset();
  }

  encodeOutput(samples: Int16Array): string {
    return this.encoder.encode(samples);
  }

  /** The `audio` of a response object. */
  describeResponseAudio(): Json {
    return { output: { format: describeFormat(this.outputFormat), voice: this.voice } };
  }

  describe(): Json {
    return {
      type: 'realtime',
      object: 'realtime.session',
      id: this.id,
      parley_session_id: this.init.parleySessionId,
      model: this.init.model,
      output_modalities: ['audio'],
      instructions: this.instructions,
      audio: {
        input: {
          format: describeFormat(this.inputFormat),
          transcription: null,
          noise_reduction: null,
          turn_detection: this.turnDetection,
        },
        output: { format: describeFormat(this.outputFormat), voice: this.voice, speed: 1 },
      },
      tools: [],
      tool_choice: 'auto',
    };
  }
}
