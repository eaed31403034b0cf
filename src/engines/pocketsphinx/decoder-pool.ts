/**
 * Reuses native decoders across recognitions: loading the models takes hundreds of ms
 * (the generic en-us model ~0.3–0.5 s), far too long to pay at the start of every turn.
 */
import { EngineError } from '../types.js';
import type { NativeDecoder, loadAddon } from './addon.js';

export interface DecoderPoolStats {
  /** Decoders created so far. */
  created: number;
  /** Wall time of each creation, ms. */
  creationMs: number[];
  idle: number;
  inUse: number;
}

export class DecoderPool {
  private readonly idle: NativeDecoder[] = [];
  private readonly creationMs: number[] = [];
  private inUse = 0;
  private closed = false;
  /** The adaptation every decoder starts with (the model's -cmninit), read from the first one made. */
  private initialAdaptation: Uint8Array | undefined;

  /** `maxIdle`: decoders kept warm once released (default 4); extra ones are freed. */
  constructor(
    private readonly addon: ReturnType<typeof loadAddon>,
    private readonly args: string[],
    private readonly describe: string,
    private readonly maxIdle = 4,
  ) {}

  /** Creates `count` decoders ahead of need (and so checks that the models load). */
  async warm(count: number): Promise<void> {
    const made = await Promise.all(Array.from({ length: count }, () => this.create()));
    for (const d of made) this.keepOrFree(d);
  }

  /**
   * A decoder set to `adaptation` (a state read from a decoder of this pool), or to the
   * model's initial one: whatever the previous user of the decoder adapted to never carries over.
   */
  async acquire(adaptation?: Uint8Array): Promise<NativeDecoder> {
    if (this.closed) throw new EngineError('pocketsphinx', 'the recognizer is closed');
    this.inUse++;
    let decoder: NativeDecoder;
    try {
      decoder = this.idle.pop() ?? (await this.create());
    } catch (err) {
      this.inUse--;
      throw err;
    }
    try {
      const state = adaptation ?? this.initialAdaptation;
      if (state) await decoder.setAdaptation(state);
      return decoder;
    } catch (err) {
      this.release(decoder, true);
      throw new EngineError('pocketsphinx', 'could not set the decoder adaptation', undefined, {
        cause: err,
      });
    }
  }

  /** Returns a decoder; a `broken` one (it failed mid-utterance) is freed, not reused. */
  release(decoder: NativeDecoder, broken = false): void {
    this.inUse--;
    if (broken) {
      decoder.free();
      return;
    }
    // Queued before any later use, so the next utterance starts clean.
    decoder.cancel().catch(() => undefined);
    this.keepOrFree(decoder);
  }

  stats(): DecoderPoolStats {
    return {
      created: this.creationMs.length,
      creationMs: [...this.creationMs],
      idle: this.idle.length,
      inUse: this.inUse,
    };
  }

  close(): void {
    this.closed = true;
    for (const d of this.idle.splice(0)) d.free();
  }

  private keepOrFree(decoder: NativeDecoder): void {
    if (this.closed || this.idle.length >= this.maxIdle) decoder.free();
    else this.idle.push(decoder);
  }

  private async create(): Promise<NativeDecoder> {
    const started = performance.now();
    try {
      const decoder = await this.addon.createDecoder(this.args);
      try {
        this.initialAdaptation ??= await decoder.getAdaptation();
      } catch (err) {
        decoder.free();
        throw err;
      }
      this.creationMs.push(performance.now() - started);
      return decoder;
    } catch (err) {
      throw new EngineError(
        'pocketsphinx',
        `could not load the models (${this.describe})`,
        'check that the language model is valid and every word in it has a pronunciation in the dictionary; run bash scripts/setup.sh for the stock models',
        { cause: err },
      );
    }
  }
}
