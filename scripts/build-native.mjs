// Builds each N-API addon under native/ with node-gyp against the system Node headers,
// skipping addons whose build is newer than their sources (so repeated setup is fast).
//
// Runs in two places: in a checkout (scripts/setup.sh), and as the `install` script of the
// installed `parley-voice` package (`--install`), where it builds into
// node_modules/parley-voice/native/*/build. In a checkout `--install` does nothing: `npm ci` must
// not fail before scripts/setup.sh has installed the Debian packages, and setup.sh builds next.
// Nothing is downloaded: the addons link Debian's pocketsphinx and flite, node-gyp is this
// checkout's (devDependency) or the one npm ships, and the Node headers are the system's.
// PARLEY_SKIP_NATIVE_BUILD=1 skips the build (e.g. a consumer who only uses the test kit).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');

const checkout = existsSync(join(root, 'src', 'cli.ts'));
const FIX = [
  'Parley links Debian packages for speech recognition and synthesis. Install them with',
  '  sudo apt-get install -y libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us flite1-dev make g++ python3 pkgconf',
  'then build the addons with',
  checkout ? '  bash scripts/setup.sh' : '  npm rebuild parley-voice',
].join('\n');

if (process.argv.includes('--install') && checkout) {
  console.log('native: a checkout; scripts/setup.sh builds the addons');
  process.exit(0);
}
if (process.env.PARLEY_SKIP_NATIVE_BUILD === '1') {
  console.log('native: skipped (PARLEY_SKIP_NATIVE_BUILD=1)');
  process.exit(0);
}

/** node-gyp: this checkout's pinned one, else the one npm passes to scripts, else npm's own. */
function findNodeGyp() {
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const candidates = [
      process.env.npm_config_node_gyp,
      join(
        dirname(dirname(process.execPath)),
        'lib',
        'node_modules',
        'npm',
        'node_modules',
        'node-gyp',
        'bin',
        'node-gyp.js',
      ),
    ];
    return candidates.find((p) => p && existsSync(p));
  }
}

/** Node's headers: npm's `nodedir` setting, else the prefix this node was installed under (/usr). */
function findNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

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

function fail(message) {
  console.error(`native: ${message}\n\n${FIX}`);
  process.exit(1);
}

const stale = [];
for (const name of existsSync(nativeDir) ? readdirSync(nativeDir) : []) {
  const dir = join(nativeDir, name);
  if (!existsSync(join(dir, 'binding.gyp'))) continue;
  const built = join(dir, 'build', 'Release', `${name}.node`);
  if (existsSync(built) && statSync(built).mtimeMs > newest(dir)) {
    console.log(`native/${name}: up to date`);
    continue;
  }
  stale.push({ name, dir });
}

if (stale.length > 0) {
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) fail('node-gyp not found (run this through npm, or install node-gyp)');
  const nodeDir = findNodeDir();
  const args = [nodeGyp, 'rebuild', '--release', ...(nodeDir ? [`--nodedir=${nodeDir}`] : [])];
  for (const { name, dir } of stale) {
    console.log(`native/${name}: building`);
    try {
      execFileSync(process.execPath, args, { cwd: dir, stdio: 'inherit' });
    } catch {
      fail(`building native/${name} failed (see the compiler output above)`);
    }
  }
}
