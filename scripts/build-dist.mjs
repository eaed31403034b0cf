// Builds the installable package into dist/: JavaScript and .d.ts from src/ (tsc with
// tsconfig.build.json), then the files the code loads beside itself at run time (scenario YAML and
// other non-TypeScript assets), so dist/ mirrors src/ and every `new URL('…', import.meta.url)`
// resolves the same way from either. Test fixtures, tests and READMEs stay out.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
    cwd: root,
    stdio: 'inherit',
  });
} catch {
  console.error('build: tsc failed (see above)');
  process.exit(1);
}

const SKIP_DIRS = new Set(['fixtures', '__snapshots__']);
const isAsset = (name) =>
  !/\.(ts|tsx|mts|cts)$/.test(name) && !/\.test\./.test(name) && !name.endsWith('.md');

let copied = 0;
function copyAssets(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const from = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) copyAssets(from);
    } else if (entry.isFile() && isAsset(entry.name)) {
      const to = join(dist, relative(src, from));
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(from, to);
      copied++;
    }
  }
}
copyAssets(src);
console.log(`build: dist/ written (${copied} asset files copied from src/)`);
