import { describe, expect, it } from 'vitest';
import { loadSuite, parseScenarioText, ScenarioError, selectScenarios } from './scenario.js';

const SUITE = new URL('../apps/package-tracker/scenarios/', import.meta.url).pathname;

function issuesOf(text: string, source = 'bad.yaml'): string[] {
  try {
    parseScenarioText(text, source);
  } catch (err) {
    if (err instanceof ScenarioError) return err.issues;
    throw err;
  }
  throw new Error('expected the scenario to be refused');
}

describe('scenario files', () => {
  it('reads shorthand steps and fills documented defaults', () => {
    const s = parseScenarioText(
      [
        'name: track-simple',
        'steps:',
        '  - say: Where is my order?',
        '  - pause: 600',
        '  - wait_for_agent:',
        '  - noise: { kind: cough, duringAgent: true }',
        '  - backchannel: mhm',
        '  - interrupt: { afterAgentAudioMs: 800, text: stop please }',
        '  - silence: 9000',
      ].join('\n'),
      'ok.yaml',
    );
    expect(s.voice).toBe('rms');
    expect(s.steps.map((x) => x.type)).toEqual([
      'say',
      'pause',
      'wait_for_agent',
      'noise',
      'backchannel',
      'interrupt',
      'silence',
    ]);
    expect(s.steps[2]).toMatchObject({ timeoutMs: 15_000, expectReply: true });
    expect(s.steps[3]).toMatchObject({ kind: 'cough', levelDbfs: -20, duringAgent: true });
    expect(s.expect.toolCalls).toEqual([]);
  });

  it('names the bad field by its path in the file', () => {
    const issues = issuesOf(
      ['name: x', 'steps:', '  - say: hi', '  - noise: { kind: thunder, levelDbfs: -20 }'].join('\n'),
    );
    expect(issues.join('\n')).toMatch(/steps\[1\]\.noise\.kind/);
  });

  it('refuses unknown steps, steps with two kinds and unknown voices', () => {
    expect(issuesOf('name: x\nsteps:\n  - shout: hi').join()).toMatch(/steps\[0\]: unknown step 'shout'/);
    expect(issuesOf('name: x\nsteps:\n  - {say: hi, pause: 300}').join()).toMatch(/exactly one of/);
    expect(issuesOf('name: x\nsteps:\n  - say: {text: hi, voice: bob}').join()).toMatch(
      /steps\[0\]\.say\.voice/,
    );
  });

  it('explains a negative echo attenuation and a misspelt expectation', () => {
    const echo = issuesOf('name: x\necho: {delayMs: 40, attenuationDb: -20}\nsteps:\n  - say: hi');
    expect(echo.join()).toMatch(/echo\.attenuationDb: .*20 means −20 dB/);
    const typo = issuesOf('name: x\nsteps:\n  - say: hi\nexpect:\n  agentSay: [hello]');
    expect(typo.join()).toMatch(/expect.*agentSay/);
  });

  it('reports broken YAML and JSON as such', () => {
    expect(issuesOf('name: [unclosed', 'a.yaml').join()).toMatch(/not valid YAML/);
    expect(issuesOf('{"name": ', 'a.json').join()).toMatch(/not valid JSON/);
  });

  it('ships at least 40 valid package-tracker scenarios with a ci subset', async () => {
    const suite = await loadSuite(SUITE);
    expect(suite.length).toBeGreaterThanOrEqual(40);
    const ci = selectScenarios(suite, { tags: ['ci'] });
    expect(ci.length).toBeGreaterThanOrEqual(3);
    expect(ci.length).toBeLessThan(suite.length / 2);
    expect(() => selectScenarios(suite, { only: 'no-such-scenario' })).toThrow(/no scenario named/);
  });
});
