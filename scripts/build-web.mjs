// Builds the browser client: web/src/app.ts bundled by esbuild into web/dist/app.js, with
// index.html and style.css copied beside it. Idempotent; takes well under a second.
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'web');
const outDir = join(webDir, 'dist');

await mkdir(outDir, { recursive: true });
await build({
  entryPoints: [join(webDir, 'src', 'app.ts')],
  outfile: join(outDir, 'app.js'),
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  sourcemap: true,
  minify: false,
  logLevel: 'warning',
});
await copyFile(join(webDir, 'index.html'), join(outDir, 'index.html'));
await copyFile(join(webDir, 'style.css'), join(outDir, 'style.css'));
console.log(`web client built into ${outDir}`);
