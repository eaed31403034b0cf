// Builds each N-API addon under native/ with node-gyp against the system Node headers,
// skipping addons whose build is newer than their sources (so repeated setup is fast).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const nativeDir = join(root, 'native');
const nodeGyp = join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'build') continue;
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

for (const name of existsSync(nativeDir) ? readdirSync(nativeDir) : []) {
  const dir = join(nativeDir, name);
  if (!existsSync(join(dir, 'binding.gyp'))) continue;
  const built = join(dir, 'build', 'Release', `${name}.node`);
  if (existsSync(built) && statSync(built).mtimeMs > newest(dir)) {
    console.log(`native/${name}: up to date`);
    continue;
  }
  console.log(`native/${name}: building`);
  execFileSync(process.execPath, [nodeGyp, 'rebuild', '--nodedir=/usr', '--release'], {
    cwd: dir,
    stdio: 'inherit',
  });
}
