// Builds the browser client: web/src/app.ts bundled by esbuild into web/dist/app.js, with
// index.html and style.css copied beside it. Idempotent; takes well under a second.
// A source map is written only for development (`--dev`, or PARLEY_WEB_DEV=1): a production build
// does not hand out the client's sources (the server refuses *.map anyway).
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'web');
const outDir = join(webDir, 'dist');

const dev = process.argv.includes('--dev') || process.env.PARLEY_WEB_DEV === '1';

await mkdir(outDir, { recursive: true });
if (!dev) await rm(join(outDir, 'app.js.map'), { force: true });
await build({
  entryPoints: [join(webDir, 'src', 'app.ts')],
  outfile: join(outDir, 'app.js'),
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  sourcemap: dev,
  minify: false,
  logLevel: 'warning',
});
await copyFile(join(webDir, 'index.html'), join(outDir, 'index.html'));
await copyFile(join(webDir, 'style.css'), join(outDir, 'style.css'));
console.log(`web client built into ${outDir}${dev ? ' (with source map)' : ''}`);
