/** The package tracker as an agent module: `parley serve --agent package-tracker` loads this. */
import { join } from 'node:path';
import { defineAgent, openDatabase } from '../../index.js';
import { createPackageTrackerAgent } from './index.js';

export default defineAgent({
  name: 'package-tracker',
  description: 'tracks orders, cancels after a yes, texts tracking links, hands off to a person',
  scenarios: new URL('./scenarios/', import.meta.url),
  setup(ctx) {
    // One call's scratch data lives in memory; a server keeps its orders in the agent's folder.
    const db = openDatabase(ctx.ephemeral ? ':memory:' : join(ctx.dataDir, 'orders.db'));
    const { name: _name, ...body } = createPackageTrackerAgent({ db });
    return {
      ...body,
      close: () => {
        db.close();
      },
    };
  },
});
