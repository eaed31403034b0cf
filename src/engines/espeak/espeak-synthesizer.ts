/**
 * Speech from the espeak-ng command line: fast, robotic, always there. Its WAV output is read
 * while espeak-ng is still writing it, resampled to the session rate, and cut into frames.
 */
import { spawn } from 'node:child_process';
import { type AudioFrame, FRAME_MS, SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { StreamingResampler } from '../../audio/resampler.js';
import { framesFromChunks } from '../flite/frame-stream.js';
import { prepareSpeechText } from '../flite/speech-text.js';
import { EngineError, type Synthesizer } from '../types.js';
import { parseWavStreamHeader } from './wav-stream-header.js';

/** espeak-ng's own default speed, in words per minute; `rate` scales it. */
const NORMAL_WPM = 175;

export interface EspeakOptions {
  /** espeak-ng voice name. Default 'en-us'. */
  voice?: string;
  /** Speaking-rate factor: 1 = normal (175 words per minute, the default). Range 0.5–2.5. */
  rate?: number;
  /** Rate of the frames yielded, in Hz. Default SESSION_SAMPLE_RATE (16000). */
  sampleRate?: number;
  /** Length of the frames yielded, in ms. Default FRAME_MS (20). */
  frameMs?: number;
  /** The program to run. Default 'espeak-ng'. */
  command?: string;
}

export class EspeakSynthesizer implements Synthesizer {
  readonly sampleRate: number;
  /** As createSynthesizer names it; the espeak-ng voice itself is `espeakVoice`. */
  readonly voice = 'espeak';
  readonly espeakVoice: string;
  private readonly wordsPerMinute: number;
  private readonly frameMs: number;
  private readonly command: string;

  constructor(opts: EspeakOptions = {}) {
    const rate = opts.rate ?? 1;
    if (!(rate >= 0.5 && rate <= 2.5)) {
      throw new EngineError(
        'espeak-ng',
        `speaking rate ${rate} is out of range`,
        'use a rate between 0.5 and 2.5',
      );
    }
    this.espeakVoice = opts.voice ?? 'en-us';
    this.wordsPerMinute = Math.round(NORMAL_WPM * rate);
    this.sampleRate = opts.sampleRate ?? SESSION_SAMPLE_RATE;
    this.frameMs = opts.frameMs ?? FRAME_MS;
    this.command = opts.command ?? 'espeak-ng';
  }

  synthesize(text: string, signal: AbortSignal): AsyncIterable<AudioFrame> {
    const speech = prepareSpeechText(text);
    return framesFromChunks({
      sampleRate: this.sampleRate,
      frameMs: this.frameMs,
      signal,
      start: (sink) => {
        if (!speech) {
          sink.end();
          return () => undefined;
        }
        // Text goes in on stdin so a reply starting with '-' is never read as an option.
        const child = spawn(
          this.command,
          ['--stdout', '-v', this.espeakVoice, '-s', String(this.wordsPerMinute)],
          {
            stdio: ['pipe', 'pipe', 'pipe'],
          },
        );
        let header = Buffer.alloc(0);
        let resampler: StreamingResampler | undefined;
        let oddByte: number | undefined;
        let stderr = '';
        let settled = false;
        const fail = (message: string, fix?: string, cause?: unknown) => {
          if (settled) return;
          settled = true;
          child.kill('SIGKILL');
          sink.fail(new EngineError('espeak-ng', message, fix, { cause }));
        };
        const pushPcm = (bytes: Buffer) => {
          let data = bytes;
          if (oddByte !== undefined) {
            data = Buffer.concat([Buffer.of(oddByte), bytes]);
            oddByte = undefined;
          }
          if (data.length % 2 === 1) {
            oddByte = data[data.length - 1];
            data = data.subarray(0, data.length - 1);
          }
          if (data.length === 0 || !resampler) return;
          const samples = new Int16Array(data.length / 2);
          for (let i = 0; i < samples.length; i++) samples[i] = data.readInt16LE(2 * i);
          sink.chunk(resampler.process(samples));
        };

        child.stdout.on('data', (bytes: Buffer) => {
          if (settled) return;
          if (resampler) return pushPcm(bytes);
          header = Buffer.concat([header, bytes]);
          try {
            const format = parseWavStreamHeader(header);
            if (!format) return;
            resampler = new StreamingResampler(format.sampleRate, this.sampleRate);
            pushPcm(header.subarray(format.dataOffset));
          } catch (error) {
            fail(
              `unreadable output (${error instanceof Error ? error.message : String(error)})`,
              undefined,
              error,
            );
          }
        });
        child.stderr.on('data', (bytes: Buffer) => {
          stderr = (stderr + bytes.toString()).slice(-2000);
        });
        child.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') {
            fail(
              `'${this.command}' is not installed`,
              'apt-get install espeak-ng (or run `bash scripts/setup.sh`)',
              error,
            );
          } else {
            fail(error.message, undefined, error);
          }
        });
        child.on('close', (code, killedBy) => {
          if (settled) return;
          if (code !== 0) {
            return fail(`exited with ${code ?? killedBy}: ${stderr.trim() || 'no message'}`);
          }
          if (resampler) sink.chunk(resampler.flush());
          sink.end();
        });
        child.stdin.on('error', () => undefined); // a killed process closes its stdin under us
        child.stdin.end(`${speech}\n`);
        return () => {
          settled = true;
          child.kill('SIGKILL');
        };
      },
    });
  }
}
