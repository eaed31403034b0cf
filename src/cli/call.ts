/**
 * `parley call IN.wav`: the package tracker answers a recorded caller in real time with the
 * embedded engines; prints the turns (or JSON) and can write the call as a stereo WAV.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SESSION_SAMPLE_RATE } from '../audio/frame.js';
import { resample } from '../audio/resampler.js';
import { encodeWavStereo, readWavFile } from '../audio/wav.js';
import { loadAgent } from '../apps/load-agent.js';
import type { TurnTrace } from '../conversation/events.js';
import type { SessionOptions } from '../conversation/options.js';
import { createConfiguredRuntime, type RuntimeConfig } from '../runtime/config.js';
import { runRecordedCall } from '../runtime/recorded-call.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentRefFrom, RUNTIME_FLAG_OPTIONS, runtimeConfigFrom, runtimeFlagUsage } from './runtime-flags.js';

const usage =
  () => `usage: parley call IN.wav [-o OUT.wav] [--json] [--greeting] [--agent NAME|PATH] [engine options]

Runs an agent (default: the package tracker) on a recorded caller, in real time. The agent's data
is a scratch copy, thrown away after the call.

  -o, --output OUT.wav   write the call as stereo: caller left, agent right, as the caller heard it
      --json             print only JSON on stdout: {"turns":[...]} (and "greeting") (logs go to stderr);
                         marks are ms from the start of the recording
      --greeting         the agent greets first (off by default so recordings start cleanly)
      --max-tail-ms MS   longest the call runs on after the recording ends (default 20000)
      --verbose          log session events to stderr
${runtimeFlagUsage()}`;

/** One turn as `--json` prints it. */
export interface CallTurnJson {
  userText: string;
  agentText: string;
  heardText: string;
  interrupted: boolean;
  tools: { name: string; args: unknown; status: string }[];
  marks: TurnTrace['marks'];
  ttfaMs: number | null;
}

/** A turn for `--json`; marks are shifted to ms from the recording's first sample (`originMs` on the session clock). */
export function turnJson(trace: TurnTrace, originMs = 0): CallTurnJson {
  const marks = Object.fromEntries(
    Object.entries(trace.marks).map(([name, atMs]) => [name, Math.round((atMs - originMs) * 10) / 10]),
  ) as TurnTrace['marks'];
  return {
    userText: trace.userText,
    agentText: trace.agentText,
    heardText: trace.heardText,
    interrupted: trace.interrupted,
    tools: trace.tools.map((t) => ({ name: t.name, args: t.args, status: t.status })),
    marks,
    ttfaMs: trace.ttfaMs !== undefined ? Math.round(trace.ttfaMs * 10) / 10 : null,
  };
}

interface GreetingJson {
  text: string;
  /** Set when the caller spoke over the greeting. */
  heardText: string | undefined;
}

function transcript(traces: TurnTrace[], greeting: GreetingJson): string {
  const lines: string[] = [];
  if (greeting.text) {
    lines.push(`greeting: ${greeting.text}`);
    if (greeting.heardText !== undefined)
      lines.push(`  heard:  ${greeting.heardText || '(nothing)'}  [interrupted]`);
  }
  for (const [i, t] of traces.entries()) {
    const ttfa = t.ttfaMs !== undefined ? `TTFA ${Math.round(t.ttfaMs)} ms` : 'no TTFA';
    lines.push(`turn ${i + 1}  ${ttfa}`);
    if (t.userText) lines.push(`  caller: ${t.userText}`);
    for (const tool of t.tools)
      lines.push(`  tool:   ${tool.name} ${JSON.stringify(tool.args)} → ${tool.status}`);
    if (t.agentText) lines.push(`  agent:  ${t.agentText}`);
    if (t.interrupted) lines.push(`  heard:  ${t.heardText || '(nothing)'}  [interrupted]`);
  }
  return lines.join('\n');
}

function fail(message: string): number {
  console.error(`parley call: ${message}\n\n${usage()}`);
  return 2;
}

export async function run(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCallArgs>;
  let config: RuntimeConfig;
  try {
    parsed = parseCallArgs(argv);
  } catch (err) {
    return fail((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(usage());
    return 0;
  }
  const input = positionals[0];
  if (!input || positionals.length > 1) return fail('give exactly one input WAV file');
  if (!existsSync(input)) return fail(`no such file: ${input}`);
  let agentModule: Awaited<ReturnType<typeof loadAgent>>;
  try {
    agentModule = await loadAgent(agentRefFrom(values));
    config = runtimeConfigFrom(values);
  } catch (err) {
    return fail((err as Error).message);
  }
  const maxTailMs = values['max-tail-ms'] !== undefined ? Number(values['max-tail-ms']) : 20_000;
  if (!Number.isFinite(maxTailMs) || maxTailMs < 0) return fail('--max-tail-ms must be a number of ms ≥ 0');

  const log = (line: string) => console.error(`parley call: ${line}`);
  const wav = readWavFile(input);
  const samples =
    wav.sampleRate === SESSION_SAMPLE_RATE
      ? wav.samples
      : resample(wav.samples, wav.sampleRate, SESSION_SAMPLE_RATE);
  log(`${input}: ${(samples.length / SESSION_SAMPLE_RATE).toFixed(1)} s of caller audio`);

  const loadStart = performance.now();
  const runtime = await createConfiguredRuntime(config);
  const scratch = await mkdtemp(join(tmpdir(), 'parley-call-'));
  let agent: Awaited<ReturnType<typeof agentModule.create>> | undefined;
  try {
    agent = await agentModule.create({ dataDir: scratch, ephemeral: true });
    await runtime.prepare?.(agent);
    log(`engines ready in ${Math.round(performance.now() - loadStart)} ms; calling in real time`);
    const greeting: GreetingJson = { text: '', heardText: undefined };
    const result = await runRecordedCall({
      samples,
      maxTailMs,
      createSession: (clock) =>
        runtime.createSession({
          agent: agent as NonNullable<typeof agent>,
          clock,
          options: recordedCallOptions(values.greeting ?? false),
        }),
      onEvent: (event) => {
        // The greeting is the agent's turn 0: no caller turn, so no trace of its own.
        if (event.type === 'reply_done' && event.turnId === 0) greeting.text = event.text;
        if (event.type === 'interrupted' && event.turnId === 0) greeting.heardText = event.heardText;
        if (event.type === 'error') log(`session error: ${event.message}`);
        else if (values.verbose) console.error(JSON.stringify(event));
      },
    });
    log(`call ended after ${(result.durationMs / 1000).toFixed(1)} s, ${result.traces.length} turns`);
    if (values.output) {
      await writeFile(values.output, encodeWavStereo(result.caller, result.agent, SESSION_SAMPLE_RATE));
      log(`wrote ${values.output} (caller left, agent right)`);
    }
    if (values.json)
      process.stdout.write(
        `${JSON.stringify({
          ...(greeting.text
            ? { greeting: { text: greeting.text, heardText: greeting.heardText ?? greeting.text } }
            : {}),
          turns: result.traces.map((t) => turnJson(t, result.originMs)),
        })}\n`,
      );
    else console.log(transcript(result.traces, greeting));
    return 0;
  } finally {
    await runtime.close();
    await agent?.close?.();
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * A recording has no echo path: the caller never heard the agent, so the acoustic echo gate is
 * off (`echoReturnGain: 0`). That gate takes a mic window for the agent's own voice when it
 * correlates with what the agent played a latency earlier (≥ `echoCorrelation`) and is no
 * louder than it; a recorded caller who happens to match the agent must still be heard.
 */
export function recordedCallOptions(greeting: boolean): Partial<SessionOptions> {
  return { greeting, echoReturnGain: 0 };
}

function parseCallArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      json: { type: 'boolean' },
      greeting: { type: 'boolean' },
      ...RUNTIME_FLAG_OPTIONS,
      'max-tail-ms': { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
