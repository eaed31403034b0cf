import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CallStore } from './call-store.js';
import { openDatabase } from './database.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const trace = {
  turnId: 1,
  userText: 'where is my order',
  agentText: 'It shipped on Monday and arrives Friday.',
  heardText: 'It shipped on Monday',
  interrupted: true,
  discardedText: 'and arrives Friday.',
  marks: { speechEnd: 1000, committed: 1200, playoutStart: 1600 },
  ttfaMs: 600,
  tools: [{ name: 'get_order_status', args: { order_number: '4219' }, status: 'executed' as const }],
};

describe('CallStore', () => {
  it('keeps sessions, turns, audit and usage across reopening the file', () => {
    const path = join(dir, 'reopen.db');
    const store = new CallStore(openDatabase(path));
    store.createSession({
      id: 's1',
      agent: 'package-tracker',
      ownerKey: 'k1',
      createdAt: new Date(0),
      budget: { maxTurns: 3 },
    });
    store.commitTurn('s1', 1, 'where is my order', 1200);
    store.recordTrace('s1', trace);
    store.commitTurn('s1', 2, 'and the other one', 5000);
    store.recordAudit({
      sessionId: 's1',
      turnId: 1,
      callId: 'c1',
      tool: 'get_order_status',
      kind: 'proposed',
      atMs: 1300,
      detail: { arguments: '{}' },
    });
    store.recordUsage(
      's1',
      { sttAudioMs: 2000, inputTokens: 10, outputTokens: 5, ttsChars: 40, toolCalls: 1 },
      0.25,
    );
    store.db.close();

    const again = new CallStore(openDatabase(path));
    const session = again.getSession('s1');
    expect(session).toMatchObject({
      agent: 'package-tracker',
      ownerKey: 'k1',
      endedAt: null,
      turnCount: 2,
      costUsd: 0.25,
    });
    expect(session?.budget).toEqual({ maxTurns: 3 });
    const [first, second] = again.turns('s1');
    expect(first).toMatchObject({
      heardText: 'It shipped on Monday',
      interrupted: true,
      complete: true,
      ttfaMs: 600,
    });
    expect(first?.marks).toEqual(trace.marks);
    expect(second).toMatchObject({
      userText: 'and the other one',
      complete: false,
      marks: { committed: 5000 },
    });
    expect(again.audit('s1')).toHaveLength(1);
    expect(again.endOrphans('server_restart', new Date(1000))).toBe(1);
    expect(again.getSession('s1')).toMatchObject({ endReason: 'server_restart' });
    // The first reason wins.
    again.endSession('s1', 'hangup', new Date(2000));
    expect(again.getSession('s1')?.endReason).toBe('server_restart');
    again.db.close();
  });

  it('bounds hostile strings in audit details', () => {
    const store = new CallStore(openDatabase(join(dir, 'audit.db')));
    store.createSession({ id: 's', agent: 'a', ownerKey: 'k', createdAt: new Date(), budget: {} });
    store.recordAudit({
      sessionId: 's',
      turnId: 1,
      callId: 'c',
      tool: 'get_order_status',
      kind: 'proposed',
      atMs: 0,
      detail: { arguments: 'x'.repeat(1_000_000), nested: { deep: 'y'.repeat(10_000) } },
    });
    const [entry] = store.audit('s');
    expect(String(entry?.detail.arguments).length).toBeLessThan(2100);
    expect(String(entry?.detail.arguments)).toContain('[truncated, 1000000 chars]');
    expect(JSON.stringify(entry?.detail.nested)).toContain('truncated');
    store.db.close();
  });

  it('lists only the owner’s sessions, newest first, optionally only live ones', () => {
    const store = new CallStore(openDatabase(join(dir, 'list.db')));
    store.createSession({ id: 'a', agent: 'x', ownerKey: 'k1', createdAt: new Date(1000), budget: {} });
    store.createSession({ id: 'b', agent: 'x', ownerKey: 'k1', createdAt: new Date(2000), budget: {} });
    store.createSession({ id: 'c', agent: 'x', ownerKey: 'k2', createdAt: new Date(3000), budget: {} });
    store.endSession('a', 'hangup', new Date(1500));
    expect(store.listSessions('k1').map((s) => s.id)).toEqual(['b', 'a']);
    expect(store.listSessions('k1', { activeOnly: true }).map((s) => s.id)).toEqual(['b']);
    expect(store.listSessions('k2').map((s) => s.id)).toEqual(['c']);
    store.db.close();
  });
});
