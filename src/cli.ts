/** `parley <command>`: each command lives in src/cli/<command>.ts and exports `run(argv)`. */
import { readFileSync } from 'node:fs';

const commands: Record<string, string> = {
  serve: 'starts the control plane, media plane and web client',
  call: 'plays a recorded caller (WAV) into an agent in real time',
  eval: 'runs the scenario suite against real sessions',
  say: 'synthesizes text to a WAV file',
  transcribe: 'transcribes a WAV file',
};

/** The package's version; package.json sits one level up from both src/ and dist/. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function usage(): string {
  const lines = Object.entries(commands).map(([name, what]) => `  parley ${name.padEnd(11)} ${what}`);
  return [
    'usage: parley <command> [options]',
    '',
    ...lines,
    '',
    'serve, call and eval run the package tracker unless --agent NAME|PATH picks a built-in agent',
    'or your own module (its default export made by defineAgent; a .ts file works as is).',
    '',
    'parley <command> --help   its options',
    'parley --version          the version of parley-voice',
  ].join('\n');
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === '--version' || command === '-v') {
    console.log(version());
    return 0;
  }
  if (!command || command === '--help' || command === '-h') {
    console.log(usage());
    return command ? 0 : 2;
  }
  if (!(command in commands)) {
    console.error(`parley: unknown command '${command}'\n\n${usage()}`);
    return 2;
  }
  const mod = (await import(`./cli/${command}.js`)) as { run(argv: string[]): Promise<number> };
  return mod.run(rest);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`parley: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
