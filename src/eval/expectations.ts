/** Judges a finished call against its scenario's expectations; every failure says why. */
import type { CallMetrics } from './metrics.js';
import type { CallRecording } from './recording.js';
import type { Scenario } from './scenario.js';
import { normalizeSpoken, sameValue, saysPhrase } from './text-match.js';

export interface CheckResult {
  check: string;
  passed: boolean;
  detail: string;
}

interface ToolCallSeen {
  name: string;
  status: string;
  args: unknown;
}

function toolCallsOf(rec: CallRecording): ToolCallSeen[] {
  const argsByCall = new Map<string, unknown>();
  for (const e of rec.events) if (e.type === 'tool_validated') argsByCall.set(e.callId, e.args);
  const seen: ToolCallSeen[] = [];
  for (const e of rec.events) {
    if (e.type === 'tool_executed')
      seen.push({ name: e.name, status: e.status, args: argsByCall.get(e.callId) });
    if (e.type === 'tool_rejected') seen.push({ name: e.name, status: 'rejected', args: undefined });
  }
  return seen;
}

/**
 * Everything the caller heard the agent say, in order: clauses as they became audible (replies,
 * fillers, check-ins, greetings), plus the heard part of a clause cut by an interruption.
 */
export function heardAgentText(rec: CallRecording): string {
  const parts: string[] = [];
  const heardInReply = new Map<number, string[]>();
  for (const e of rec.events) {
    if (e.type === 'reply_started') heardInReply.set(e.turnId, []);
    else if (e.type === 'agent_heard') {
      parts.push(e.text);
      heardInReply.get(e.turnId)?.push(e.text);
    } else if (e.type === 'interrupted') {
      const already = (heardInReply.get(e.turnId) ?? []).join(' ').trim();
      const heard = e.heardText.trim();
      parts.push(heard.startsWith(already) ? heard.slice(already.length) : heard);
    }
  }
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .join(' ');
}

function describeCalls(calls: ToolCallSeen[]): string {
  if (calls.length === 0) return 'no tool calls';
  return calls.map((c) => `${c.name}(${JSON.stringify(c.args ?? {})}) ${c.status}`).join('; ');
}

function check(out: CheckResult[], name: string, passed: boolean, detail: string): void {
  out.push({ check: name, passed, detail });
}

export function judgeCall(scenario: Scenario, rec: CallRecording, m: CallMetrics): CheckResult[] {
  const e = scenario.expect;
  const out: CheckResult[] = [];
  const calls = toolCallsOf(rec);
  const heard = heardAgentText(rec);

  // A session that never noticed the caller explains every other failure of the call.
  if (rec.callerTurns.length > 0 && !rec.events.some((ev) => ev.type === 'user_speech_started')) {
    check(
      out,
      'session hears the caller',
      false,
      'no user_speech_started event: the VAD never detected the caller',
    );
  }
  for (const w of rec.waits) {
    if (w.expectReply && !w.answered) {
      check(
        out,
        'agent answers',
        false,
        `no agent audio within ${Math.round(w.endMs - w.startMs)} ms of waiting`,
      );
    }
  }
  for (const want of e.toolCalls) {
    const status = want.status ?? 'executed';
    const hit = calls.find(
      (c) => c.name === want.name && c.status === status && (!want.args || sameValue(c.args, want.args)),
    );
    const label = `tool ${want.name}${want.args ? JSON.stringify(want.args) : ''} ${status}`;
    check(out, label, hit !== undefined, hit ? 'seen' : `saw ${describeCalls(calls)}`);
  }
  for (const name of e.noToolCalls) {
    const ran = calls.some((c) => c.name === name && c.status === 'executed');
    check(
      out,
      `tool ${name} not executed`,
      !ran,
      ran ? `it executed: ${describeCalls(calls)}` : 'not executed',
    );
  }
  for (const phrase of e.agentSays) {
    check(out, `agent says "${phrase}"`, saysPhrase(heard, phrase), `heard: "${heard.slice(0, 200)}"`);
  }
  for (const phrase of e.agentSaysNot) {
    const said = saysPhrase(heard, phrase);
    check(
      out,
      `agent does not say "${phrase}"`,
      !said,
      said ? `heard: "${heard.slice(0, 200)}"` : 'not said',
    );
  }
  if (e.noPrematureReply) {
    const bad = m.turns.filter((t) => t.premature).map((t) => `"${t.text}"`);
    check(out, 'no reply while the caller is mid-turn', bad.length === 0, bad.join(', ') || 'none');
  }
  if (e.stopsWhenInterrupted) {
    const applicable = m.interrupts.filter((i) => i.applicable);
    const failed = applicable.filter((i) => !i.honoured);
    const detail = m.interrupts
      .map((i) =>
        i.applicable
          ? `stopped ${Math.round(i.stopLatencyMs ?? 0)} ms after crossing`
          : 'agent had already finished',
      )
      .join('; ');
    check(
      out,
      'agent stops when interrupted',
      applicable.length > 0 && failed.length === 0,
      detail || 'no interruption',
    );
  }
  if (e.noFalseBargeIn) {
    const cut = m.sounds.filter((s) => s.falseBargeIn).map((s) => s.label);
    check(out, 'no false barge-in', cut.length === 0, cut.length ? `cut by ${cut.join(', ')}` : 'none');
  }
  if (e.historyHeardOnly) out.push(checkHistoryHeardOnly(rec));
  if (e.idleCheckIn) check(out, 'idle check-in', m.idleCheckIns > 0, `${m.idleCheckIns} check-ins`);
  if (e.noSelfResponse)
    check(out, 'no self-response to echo', m.selfResponses === 0, `${m.selfResponses} self-responses`);
  if (e.filler) check(out, 'filler spoken', m.fillers > 0, `${m.fillers} fillers`);
  if (e.recallInLastReply) {
    const last = [...rec.traces].reverse().find((t) => t.agentText.trim().length > 0);
    const text = last ? last.heardText || last.agentText : '';
    check(
      out,
      `last reply recalls ${e.recallInLastReply}`,
      saysPhrase(text, e.recallInLastReply),
      `last reply: "${text}"`,
    );
  }
  return out;
}

/** After an interruption the history must hold the heard prefix, never the discarded rest. */
function checkHistoryHeardOnly(rec: CallRecording): CheckResult {
  const name = 'history holds only heard words';
  const said = rec.history
    .filter((m) => m.role === 'assistant')
    .map((m) => ` ${normalizeSpoken(m.content)} `);
  const cut = rec.traces.filter((t) => t.interrupted);
  if (cut.length === 0) return { check: name, passed: false, detail: 'no reply was interrupted' };
  for (const t of cut) {
    const discarded = normalizeSpoken(t.discardedText);
    const full = normalizeSpoken(`${t.heardText} ${t.discardedText}`);
    if (discarded && said.some((s) => s.includes(` ${full} `))) {
      return { check: name, passed: false, detail: `history holds the unheard "${t.discardedText}"` };
    }
    const heard = normalizeSpoken(t.heardText);
    if (heard && !said.some((s) => s.includes(` ${heard} `))) {
      return { check: name, passed: false, detail: `history lacks the heard "${t.heardText}"` };
    }
  }
  return { check: name, passed: true, detail: `${cut.length} interrupted replies kept as heard` };
}
