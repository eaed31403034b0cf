/** Where an agent keeps its own data inside the runtime's data folder. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** `<dataDir>/agents/<name>`, created if missing. */
export function agentDataDir(dataDir: string, agentName: string): string {
  const dir = join(dataDir, 'agents', agentName);
  mkdirSync(dir, { recursive: true });
  return dir;
}
