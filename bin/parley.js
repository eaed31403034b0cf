#!/usr/bin/env node
// The `parley` command runs the built JavaScript (dist/cli.js) when it is there and current. An
// installed package ships no sources, so it always does; a checkout whose dist/ is missing or
// older than any source file runs the TypeScript sources instead, so the CLI never executes stale
// code. tsx's loader is registered either way: an agent given with `--agent` may be TypeScript.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const built = new URL('../dist/cli.js', import.meta.url);
const sources = new URL('../src/', import.meta.url);

/** Newest modification time of any file under `dir`, in ms. */
function newestMtimeMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function builtIsCurrent() {
  if (!existsSync(built)) return false;
  // An installed package carries a few READMEs under src/, never the TypeScript sources.
  if (!existsSync(new URL('cli.ts', sources))) return true;
  return statSync(built).mtimeMs >= newestMtimeMs(fileURLToPath(sources));
}

register();
await import(builtIsCurrent() ? built.href : new URL('cli.ts', sources).href);
