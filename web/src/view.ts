/** Renders the call model into the page (plain DOM; the page is small). */
import { type CallModel, type TurnView, waterfall } from './model.js';

const STATE_LABELS: Record<string, string> = {
  idle: 'idle',
  listening: 'listening',
  user_speaking: 'listening (you are speaking)',
  thinking: 'thinking',
  agent_speaking: 'speaking',
  ended: 'call ended',
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Connection states worth rewording; others show as they are. */
const CONNECTION_LABELS: Record<string, string> = {
  reconnecting: 'reconnecting…',
};

export function renderStatus(model: CallModel): void {
  const conn = document.getElementById('connection');
  if (conn) {
    const label = CONNECTION_LABELS[model.connection] ?? model.connection;
    conn.textContent = model.transport ? `${label} · ${model.transport}` : label;
    conn.dataset.state = model.connection;
  }
  const agent = document.getElementById('agent-state');
  if (agent) {
    agent.textContent = STATE_LABELS[model.agentState] ?? model.agentState;
    agent.dataset.state = model.agentState;
  }
  const errors = document.getElementById('errors');
  if (errors) {
    errors.replaceChildren(...model.errors.slice(-3).map((m) => el('div', 'error', m)));
    errors.hidden = model.errors.length === 0;
  }
}

export function renderTranscript(model: CallModel): void {
  const root = document.getElementById('transcript');
  if (!root) return;
  const items = model.turns.filter((t) => t.userText || t.agentText || t.heardText).map(renderTurn);
  if (items.length === 0) items.push(el('p', 'empty', 'The conversation appears here.'));
  root.replaceChildren(...items);
  root.scrollTop = root.scrollHeight;
}

function renderTurn(turn: TurnView): HTMLElement {
  const box = el('article', 'turn');
  box.dataset.turnId = String(turn.turnId);
  if (turn.userText) {
    const user = el('p', `line user ${turn.userFinal ? 'final' : 'partial'}`);
    user.append(el('span', 'who', 'You'), el('span', 'text', turn.userText));
    box.append(user);
  }
  if (turn.agentText || turn.heardText) {
    const agent = el('p', 'line agent');
    agent.append(el('span', 'who', 'Agent'));
    const heard = turn.heardText;
    agent.append(el('span', 'text heard', heard));
    if (turn.interrupted) {
      if (turn.discardedText) agent.append(el('span', 'text discarded', ` ${turn.discardedText}`));
      agent.append(el('span', 'cut', 'interrupted'));
    } else {
      const rest = turn.agentText.startsWith(heard)
        ? turn.agentText.slice(heard.length)
        : heard
          ? ''
          : turn.agentText;
      if (rest.trim()) agent.append(el('span', 'text pending', ` ${rest.trim()}`));
    }
    box.append(agent);
  }
  if (turn.tools.length > 0) box.append(el('p', 'tools', `tools: ${turn.tools.join(', ')}`));
  const steps = waterfall(turn.marks);
  if (steps.length > 1 || turn.ttfaMs !== undefined) box.append(renderWaterfall(turn, steps));
  return box;
}

function renderWaterfall(turn: TurnView, steps: { label: string; offsetMs: number }[]): HTMLElement {
  const wrap = el('div', 'waterfall');
  const head = el('div', 'waterfall-head');
  head.append(
    el('span', 'ttfa', turn.ttfaMs !== undefined ? `TTFA ${Math.round(turn.ttfaMs)} ms` : 'TTFA —'),
  );
  wrap.append(head);
  const span = Math.max(1, ...steps.map((s) => s.offsetMs));
  let previousMs = 0;
  for (const step of steps) {
    const row = el('div', 'step');
    row.append(el('span', 'label', step.label));
    const track = el('span', 'track');
    const bar = el('span', 'bar');
    // Each bar spans from the previous step to this one: where the time went.
    const from = Math.max(0, Math.min(previousMs, step.offsetMs));
    bar.style.marginLeft = `${(100 * from) / span}%`;
    bar.style.width = `${Math.max(0.6, (100 * (Math.max(0, step.offsetMs) - from)) / span)}%`;
    previousMs = Math.max(previousMs, step.offsetMs);
    track.append(bar);
    row.append(track, el('span', 'ms', `+${step.offsetMs} ms`));
    wrap.append(row);
  }
  return wrap;
}

export function renderLevel(rms: number): void {
  const bar = document.getElementById('level-bar');
  if (!bar) return;
  // −60 dBFS … 0 dBFS over the meter's width.
  const db = rms > 0 ? 20 * Math.log10(rms) : -100;
  bar.style.width = `${Math.max(0, Math.min(100, ((db + 60) / 60) * 100))}%`;
}
