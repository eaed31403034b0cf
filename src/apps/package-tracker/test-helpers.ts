/**
 * Test support (kept out of the build like every test-helpers.ts): drives the package tracker the way a session does. The caller's committed turn
 * goes into the messages, a confirming turn arms the pending call, proposals go through the real
 * tool gateway (with the session's id and tenant), outcomes come back as tool messages, and the
 * brain is asked again until it speaks.
 */
import {
  type BrainDelta,
  type ChatMessage,
  type Db,
  openDatabase,
  toolResultContent,
  VirtualClock,
} from '../../index.js';
import { createToolGateway } from '../../tools/gateway.js';
import type { AuditEntry } from '../../tools/types.js';
import { createPackageTrackerAgent } from './index.js';

export interface ToolSeen {
  name: string;
  args: unknown;
  status: string;
}

export function dialogueHarness(opts: { db?: Db; sessionId?: string; tenant?: string } = {}) {
  const db = opts.db ?? openDatabase(':memory:');
  const sessionId = opts.sessionId ?? 's1';
  const agent = createPackageTrackerAgent({ db });
  const audit: AuditEntry[] = [];
  const gateway = createToolGateway({
    sessionId,
    ...(opts.tenant !== undefined ? { tenant: opts.tenant } : {}),
    tools: agent.tools,
    clock: new VirtualClock(),
    audit: { record: (e) => audit.push(e) },
  });
  const brain = agent.createBrain();
  const messages: ChatMessage[] = [{ role: 'system', content: agent.persona }];
  let turnId = 0;
  const tools: ToolSeen[] = [];
  /** Each call's result, in the order of `tools`. */
  const results: unknown[] = [];

  async function say(userText: string, o: { confirms?: boolean } = {}): Promise<string> {
    turnId++;
    messages.push({ role: 'user', content: userText });
    if (o.confirms) gateway.confirmPending(turnId);
    for (let round = 0; round < 3; round++) {
      const deltas: BrainDelta[] = [];
      for await (const d of brain.respond(
        { messages: [...messages], tools: gateway.specs() },
        new AbortController().signal,
      )) {
        deltas.push(d);
      }
      const calls = deltas.flatMap((d) => (d.type === 'tool_call' ? [d.call] : []));
      const text = deltas.map((d) => (d.type === 'text' ? d.text : '')).join('');
      if (calls.length === 0) {
        messages.push({ role: 'assistant', content: text });
        return text;
      }
      messages.push({ role: 'assistant', content: text, toolCalls: calls });
      for (const call of calls) {
        const outcome = await gateway.propose(
          {
            callId: call.id,
            name: call.name,
            arguments: call.arguments,
            sessionId,
            turnId,
            phase: 'committed',
          },
          new AbortController().signal,
        );
        tools.push({ name: outcome.name, args: outcome.args, status: outcome.status });
        results.push(outcome.result);
        messages.push({
          role: 'tool',
          toolCallId: call.id,
          name: call.name,
          content: toolResultContent(outcome),
        });
      }
    }
    throw new Error('the brain kept calling tools');
  }
  return { db, say, tools, results, audit, messages, gateway };
}
