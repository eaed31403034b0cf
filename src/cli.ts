/** `parley <command>`: each command lives in src/cli/<command>.ts and exports `run(argv)`. */
const commands: Record<string, string> = {
  serve: 'starts the control plane, media plane and web client',
  call: 'runs the package tracker on a recorded caller (WAV) in real time',
  eval: 'runs the scenario suite against real sessions',
  say: 'synthesizes text to a WAV file',
  transcribe: 'transcribes a WAV file',
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, what]) => `  parley ${name.padEnd(11)} ${what}`);
  return `usage: parley <command> [options]\n\n${lines.join('\n')}\n\nparley <command> --help for its options.`;
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
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
