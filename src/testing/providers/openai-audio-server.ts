/**
 * A local OpenAI-compatible audio server on 127.0.0.1 (an ephemeral port), backed by Parley's own
 * engines, so calls through the openai adapters are real: `POST /v1/audio/transcriptions`
 * (multipart WAV → a Parley Recognizer → `{text}`, `verbose_json` or `text`) and
 * `POST /v1/audio/speech` (a Parley Synthesizer → 24 kHz `pcm`, or `wav`, streamed as made).
 * Bearer-key check with OpenAI's 401 bodies, and failure modes per endpoint: 429, 500, stall,
 * drop. Every request is recorded (without its audio).
 *
 * API reference: https://platform.openai.com/docs/api-reference/audio/createTranscription
 * and https://platform.openai.com/docs/api-reference/audio/createSpeech; pcm is 24 kHz 16-bit
 * signed little-endian without a header (https://platform.openai.com/docs/guides/text-to-speech);
 * error bodies as in https://platform.openai.com/docs/guides/error-codes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { resample, StreamingResampler } from '../../audio/resampler.js';
import { splitFrames } from '../../audio/signals.js';
import { readWav } from '../../audio/wav.js';
import type { Recognizer, Synthesizer } from '../../engines/types.js';
import { closeServer, listenLocal, pcmBytes, readBody, sleep } from './local-server.js';
import {
  authError,
  type ErrorBody,
  invalid,
  RATE_LIMITED,
  SERVER_ERROR,
  sendError,
} from './openai-errors.js';

/** The rate of `pcm` speech, as documented. */
export const SPEECH_PCM_RATE = 24_000;

/**
 * What an endpoint does instead of answering: `rate_limit` (429) and `server_error` (500) with
 * OpenAI's bodies; `stall`: transcriptions never answer, speech sends its headers and first
 * chunk, then nothing; `drop`: transcriptions close the socket once the upload is in, speech
 * after its first chunk (a connection lost mid-body).
 */
export type AudioFailure = 'rate_limit' | 'server_error' | 'stall' | 'drop';

export interface AudioFailures {
  transcriptions?: AudioFailure | undefined;
  speech?: AudioFailure | undefined;
}

export interface OpenAiAudioServerOptions {
  /** Recognizes uploads (resampled to 16 kHz). Without one, transcriptions answer 404 model_not_found. */
  recognizer?: Recognizer;
  /** Speaks speech requests (any voice name is accepted). Without one, speech answers 404. */
  synthesizer?: Synthesizer;
  /** The bearer key required; unset: any key or none is accepted (a local whisper server). */
  apiKey?: string;
  failures?: AudioFailures;
  /** Pause after each speech chunk written, ms, as a server making audio as it goes. Default 0. */
  chunkDelayMs?: number;
  /** Wait before answering (transcriptions) or starting the audio (speech), ms: a cloud round trip. Default 0. */
  answerDelayMs?: number;
}

export interface RecordedAudioRequest {
  endpoint: 'transcriptions' | 'speech';
  /** Status answered; 0 while none was (stalled, dropped, still streaming headers). */
  status: number;
  authorized: boolean;
  model?: string;
  responseFormat?: string;
  prompt?: string;
  language?: string;
  /** transcriptions: length of the uploaded audio, ms. */
  audioMs?: number;
  /** transcriptions: the text answered; speech: the input. */
  text?: string;
  voice?: string;
  speed?: number;
  /** speech: audio bytes written. */
  bytesSent: number;
  /** The response was sent to its end. */
  finished: boolean;
  /** The client closed the connection before the response ended. */
  closedByClient: boolean;
}

export interface OpenAiAudioServer {
  /** Base URL with the version: `http://127.0.0.1:<port>/v1`. */
  url: string;
  requests: RecordedAudioRequest[];
  /** Sets failure modes from now on (undefined: answer normally). */
  fail(failures: AudioFailures): void;
  close(): Promise<void>;
}

const FAILURE_ANSWERS: Record<'rate_limit' | 'server_error', [number, ErrorBody]> = {
  rate_limit: [429, RATE_LIMITED],
  server_error: [500, SERVER_ERROR],
};

/** A WAV header for a stream of unknown length (sizes 0xFFFFFFFF, as streaming writers do). */
function streamingWavHeader(sampleRate: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(0xffffffff, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(0xffffffff, 40);
  return h;
}

/** Writes with backpressure; a client that went away ends the wait too. */
async function write(res: ServerResponse, bytes: Buffer): Promise<void> {
  if (res.destroyed || res.write(bytes)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

export async function startOpenAiAudioServer(
  opts: OpenAiAudioServerOptions = {},
): Promise<OpenAiAudioServer> {
  const requests: RecordedAudioRequest[] = [];
  const failures: AudioFailures = { ...opts.failures };
  let closing = false;

  async function transcriptions(req: IncomingMessage, res: ServerResponse, record: RecordedAudioRequest) {
    const body = await readBody(req);
    let form: FormData;
    try {
      form = await new Request('http://openai.local/', {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body: new Uint8Array(body),
      }).formData();
    } catch {
      return sendError(res, 400, invalid('The request body must be multipart/form-data.'));
    }
    const field = (name: string) => {
      const v = form.get(name);
      return typeof v === 'string' && v !== '' ? v : undefined;
    };
    record.model = field('model');
    record.prompt = field('prompt');
    record.language = field('language');
    record.responseFormat = field('response_format') ?? 'json';
    const file = form.get('file');
    if (!(file instanceof Blob))
      return sendError(res, 400, invalid("Missing required parameter: 'file'.", 'file'));
    if (!record.model) return sendError(res, 400, invalid("Missing required parameter: 'model'.", 'model'));
    if (!opts.recognizer) {
      return sendError(
        res,
        404,
        invalid(`The model \`${record.model}\` does not exist.`, null, 'model_not_found'),
      );
    }
    let samples: Int16Array;
    try {
      const wav = readWav(new Uint8Array(await file.arrayBuffer()));
      samples = resample(wav.samples, wav.sampleRate, SESSION_SAMPLE_RATE);
    } catch (err) {
      return sendError(
        res,
        400,
        invalid(`Invalid file format (this server reads WAV): ${(err as Error).message}`, 'file'),
      );
    }
    record.audioMs = (samples.length * 1000) / SESSION_SAMPLE_RATE;
    if (record.audioMs < 100) {
      return sendError(
        res,
        400,
        invalid('Audio file is too short. Minimum audio length is 0.1 seconds.', 'file', 'audio_too_short'),
      );
    }
    const failure = failures.transcriptions;
    if (failure === 'stall') return; // the upload is in; no answer ever comes
    if (failure === 'drop') return void req.socket.destroy();

    if (opts.answerDelayMs) await sleep(opts.answerDelayMs);
    if (record.closedByClient) return;
    // Decoding goes on when the client leaves (as on a real server); only the answer is dropped.
    const recognition = opts.recognizer.open();
    for (const frame of splitFrames(samples, SESSION_SAMPLE_RATE)) recognition.push(frame);
    const text = (await recognition.finish()).text;
    if (record.closedByClient) return;
    record.text = text;
    const format = record.responseFormat;
    if (format === 'text') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      return void res.end(`${text}\n`);
    }
    if (format !== 'json' && format !== 'verbose_json') {
      return sendError(
        res,
        400,
        invalid(`response_format '${format}' is not served here`, 'response_format'),
      );
    }
    const duration = record.audioMs / 1000;
    const answer =
      format === 'json'
        ? { text }
        : {
            task: 'transcribe',
            language: 'english',
            duration,
            text,
            segments: [{ id: 0, seek: 0, start: 0, end: duration, text, tokens: [], temperature: 0 }],
          };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
  }

  async function speech(req: IncomingMessage, res: ServerResponse, record: RecordedAudioRequest) {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse((await readBody(req)).toString('utf8')) as Record<string, unknown>;
    } catch {
      return sendError(res, 400, invalid('We could not parse the JSON body of your request.'));
    }
    const str = (name: string) =>
      typeof json[name] === 'string' && json[name] !== '' ? (json[name] as string) : undefined;
    record.model = str('model');
    record.voice = str('voice');
    record.text = str('input');
    record.responseFormat = str('response_format') ?? 'mp3';
    if (typeof json.speed === 'number') record.speed = json.speed;
    for (const name of ['model', 'input', 'voice'] as const) {
      if (!str(name)) return sendError(res, 400, invalid(`Missing required parameter: '${name}'.`, name));
    }
    const format = record.responseFormat;
    if (format !== 'pcm' && format !== 'wav') {
      return sendError(
        res,
        400,
        invalid(`response_format '${format}' is not served here (pcm, wav)`, 'response_format'),
      );
    }
    const synthesizer = opts.synthesizer;
    if (!synthesizer) {
      return sendError(
        res,
        404,
        invalid(`The model \`${record.model}\` does not exist.`, null, 'model_not_found'),
      );
    }
    const failure = failures.speech;
    const stop = new AbortController();
    res.once('close', () => stop.abort());
    if (opts.answerDelayMs) await sleep(opts.answerDelayMs);
    if (stop.signal.aborted) return;
    res.writeHead(200, { 'content-type': format === 'pcm' ? 'audio/pcm' : 'audio/wav' });
    record.status = 200;
    if (format === 'wav') await write(res, streamingWavHeader(SPEECH_PCM_RATE));
    let resampler: StreamingResampler | undefined;
    const send = async (samples: Int16Array): Promise<boolean> => {
      if (samples.length === 0 || stop.signal.aborted) return !stop.signal.aborted;
      await write(res, pcmBytes(samples));
      record.bytesSent += samples.length * 2;
      if (failure === 'drop') {
        res.socket?.destroy();
        return false;
      }
      if (failure === 'stall') return false; // headers and one chunk, then silence
      if (opts.chunkDelayMs) await sleep(opts.chunkDelayMs);
      return !stop.signal.aborted;
    };
    for await (const frame of synthesizer.synthesize(record.text as string, stop.signal)) {
      resampler ??= new StreamingResampler(frame.sampleRate, SPEECH_PCM_RATE);
      if (!(await send(resampler.process(frame.samples)))) return;
    }
    if (resampler && !(await send(resampler.flush()))) return;
    if (!stop.signal.aborted) res.end();
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://openai.local').pathname;
    const endpoint =
      path === '/v1/audio/transcriptions'
        ? 'transcriptions'
        : path === '/v1/audio/speech'
          ? 'speech'
          : undefined;
    if (req.method !== 'POST' || !endpoint) {
      req.resume();
      return sendError(res, 404, invalid(`Invalid URL (${req.method} ${path})`));
    }
    const record: RecordedAudioRequest = {
      endpoint,
      status: 0,
      authorized: false,
      bytesSent: 0,
      finished: false,
      closedByClient: false,
    };
    requests.push(record);
    res.once('finish', () => {
      record.status = res.statusCode;
      record.finished = true;
    });
    res.once('close', () => {
      // A socket the server dropped on purpose, or closed at shutdown, is not the client's doing.
      if (!res.writableFinished && !closing && failures[endpoint] !== 'drop') record.closedByClient = true;
    });

    if (opts.apiKey !== undefined) {
      const denied = authError(req.headers.authorization, opts.apiKey);
      if (denied) {
        req.resume();
        return sendError(res, 401, denied);
      }
    }
    record.authorized = true;
    const failure = failures[endpoint];
    if (failure === 'rate_limit' || failure === 'server_error') {
      req.resume();
      const [status, body] = FAILURE_ANSWERS[failure];
      return sendError(res, status, body);
    }
    const handler = endpoint === 'transcriptions' ? transcriptions : speech;
    handler(req, res, record).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      sendError(res, 500, { message: (err as Error).message, type: 'server_error', param: null, code: null });
    });
  });

  const port = await listenLocal(server);
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    fail(next) {
      Object.assign(failures, next);
    },
    async close() {
      closing = true;
      await closeServer(server);
    },
  };
}
