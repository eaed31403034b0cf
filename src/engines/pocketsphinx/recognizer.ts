/** Speech recognition on the system pocketsphinx, through Parley's N-API addon. */
import type { RecognitionOptions, Recognizer } from '../types.js';
import { EngineError } from '../types.js';
import { loadAddon } from './addon.js';
import { DecoderPool, type DecoderPoolStats } from './decoder-pool.js';
import { checkModelFiles, decoderArgs, GENERIC_LM, type LanguageModelFiles } from './models.js';
import { type AdaptationSlot, PocketsphinxRecognition, type RecognitionTuning } from './recognition.js';

export interface PocketsphinxRecognizerOptions {
  /** 'generic' (default): the stock en-us model; or a domain model (see ensureDomainLm). */
  lm?: 'generic' | LanguageModelFiles;
  /** Audio gathered per decode step, bounding how often partials come. Default 100 ms. */
  partialEveryMs?: number;
  /** Decoders loaded at create() so the first turns start at once. Default 1. */
  warmDecoders?: number;
  /** Decoders kept loaded between recognitions. Default 4. */
  maxIdleDecoders?: number;
}

/** One conversation's view of a shared PocketsphinxRecognizer (see `forSession`). */
export interface PocketsphinxSessionRecognizer extends Recognizer {
  open(opts?: RecognitionOptions): PocketsphinxRecognition;
}

export class PocketsphinxRecognizer implements Recognizer {
  private closed = false;

  private constructor(
    private readonly pool: DecoderPool,
    private readonly tuning: RecognitionTuning,
    readonly lm: LanguageModelFiles,
  ) {}

  /** Loads the addon and the models; throws EngineError with the fix when either is missing. */
  static async create(opts: PocketsphinxRecognizerOptions = {}): Promise<PocketsphinxRecognizer> {
    const lm = opts.lm === undefined || opts.lm === 'generic' ? GENERIC_LM : opts.lm;
    const addon = loadAddon();
    checkModelFiles(lm);
    const pool = new DecoderPool(
      addon,
      decoderArgs(lm),
      `lm ${lm.lmPath}, dict ${lm.dictPath}`,
      opts.maxIdleDecoders ?? 4,
    );
    await pool.warm(opts.warmDecoders ?? 1);
    return new PocketsphinxRecognizer(pool, { partialEveryMs: opts.partialEveryMs ?? 100 }, lm);
  }

  /**
   * Starts an utterance. Any number may run at once, each on its own decoder, each from the
   * model's initial adaptation (see `forSession` to adapt across a call's utterances). `hints`
   * are not used: the n-gram search has no per-utterance bias; a domain model is the way to
   * favour an app's phrases.
   */
  open(_opts?: RecognitionOptions): PocketsphinxRecognition {
    return this.openWith(undefined);
  }

  /**
   * A view of this recognizer for one conversation: its utterances adapt to the caller's
   * voice and line (cepstral mean normalization) from one to the next, starting from the
   * model's initial state; nothing adapted in one conversation reaches another. Sharing the
   * decoders, it loads nothing; closing it leaves the shared recognizer open.
   */
  forSession(): PocketsphinxSessionRecognizer {
    const slot: AdaptationSlot = {};
    return { open: () => this.openWith(slot) };
  }

  private openWith(slot: AdaptationSlot | undefined): PocketsphinxRecognition {
    if (this.closed) throw new EngineError('pocketsphinx', 'the recognizer is closed');
    return new PocketsphinxRecognition(this.pool, this.tuning, slot);
  }

  /** Decoder counts and how long each took to create (ms). */
  stats(): DecoderPoolStats {
    return this.pool.stats();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pool.close();
  }
}
