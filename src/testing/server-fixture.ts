/**
 * A Parley server on deterministic engines, for tests that run it as a separate process (and kill
 * it). Usage: node --import tsx src/control/durability-fixture.ts DATA_DIR API_KEY.
 * Prints one JSON line `{"url": ...}` on stdout once listening.
 */
import { createServer } from '../control/server.js';
import { ScriptedRuntime } from './control-runtime.js';

const [dataDir, apiKey] = process.argv.slice(2);
if (!dataDir || !apiKey) {
  console.error('usage: durability-fixture.ts DATA_DIR API_KEY');
  process.exit(2);
}
const server = await createServer({
  dataDir,
  apiKeys: [apiKey],
  port: 0,
  runtime: new ScriptedRuntime({
    script: ['where is my order four two one nine', 'can you text me the tracking link please'],
  }),
  logger: false,
  greeting: false,
});
console.log(JSON.stringify({ url: server.url }));
const stop = () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
