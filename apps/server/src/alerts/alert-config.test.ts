import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.ts';
import { parseConfigText } from '../config/load-config.ts';
import { resolveWebhooks } from './alerts-service.ts';

const base = (alerts: string) => `dataDir: ./state
clusters:
  - name: lab
    nodes:
      - { name: h1, transport: local, postgres: { binDir: /usr/lib/postgresql/15/bin, dataDir: /srv/pg1 } }
      - { name: h2, transport: local, postgres: { binDir: /usr/lib/postgresql/15/bin, dataDir: /srv/pg2 } }
${alerts}`;

function problemsOf(text: string): string {
  try {
    parseConfigText('/etc/walboard/walboard.yaml', text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('expected the config to be refused');
}

describe('alerts in walboard.yaml', () => {
  it('accepts rules and webhooks, with delivery defaults', () => {
    const cfg = parseConfigText(
      'walboard.yaml',
      base(`alerts:
  webhooks:
    - { name: slack, urlEnv: SLACK_WEBHOOK_URL }
    - { name: ops, url: "https://hooks.example.com/walboard", tokenEnv: OPS_TOKEN, headers: { X-Team: dba } }
  rules:
    - { name: standby-behind, kind: lag-bytes, threshold: 16777216, forSeconds: 120, nodes: [h2] }
    - { name: node-down, kind: node-unreachable, cluster: lab, webhooks: [ops] }
    - { name: op-failed, kind: operation-failed }
`),
    );
    expect(cfg.alerts?.rules.map((r) => r.name)).toEqual(['standby-behind', 'node-down', 'op-failed']);
    expect(cfg.alerts?.delivery).toEqual({
      attempts: 5,
      backoffMs: 1000,
      maxBackoffMs: 30000,
      timeoutMs: 5000,
    });
  });

  it.each([
    [
      'a lag rule without threshold',
      `  webhooks: [{ name: a, url: "http://127.0.0.1:9/x" }]\n  rules: [{ name: r, kind: lag-seconds }]`,
      /rule "r" \(lag-seconds\) needs a threshold: seconds/,
    ],
    [
      'a threshold on a kind without one',
      `  webhooks: [{ name: a, url: "http://127.0.0.1:9/x" }]\n  rules: [{ name: r, kind: node-unreachable, threshold: 3 }]`,
      /takes no threshold: only lag-bytes and lag-seconds do/,
    ],
    [
      'an unknown kind',
      `  webhooks: [{ name: a, url: "http://127.0.0.1:9/x" }]\n  rules: [{ name: r, kind: disk-full }]`,
      /lag-bytes.*operation-failed/,
    ],
    [
      'a webhook name that is not defined',
      `  webhooks: [{ name: a, url: "http://127.0.0.1:9/x" }]\n  rules: [{ name: r, kind: node-unreachable, webhooks: [pager] }]`,
      /sends to webhook "pager", which alerts.webhooks does not define \(defined: a\)/,
    ],
    [
      'an unknown cluster',
      `  webhooks: [{ name: a, url: "http://127.0.0.1:9/x" }]\n  rules: [{ name: r, kind: node-unreachable, cluster: prod }]`,
      /names cluster "prod", which is not in clusters \(lab\)/,
    ],
    [
      'an unknown node',
      `  webhooks: [{ name: a, url: "http://127.0.0.1:9/x" }]\n  rules: [{ name: r, kind: node-unreachable, nodes: [h9] }]`,
      /names node "h9", which no cluster has/,
    ],
    [
      'no webhook at all',
      `  rules: [{ name: r, kind: node-unreachable }]`,
      /rule "r" has nowhere to send to: add a webhook under alerts.webhooks/,
    ],
    [
      'both url and urlEnv',
      `  webhooks: [{ name: a, url: "http://127.0.0.1:9/x", urlEnv: HOOK }]`,
      /webhook "a" needs exactly one of url .* or urlEnv/,
    ],
    [
      'a URL with a password in it',
      `  webhooks: [{ name: a, url: "https://me:pw@hooks.example.com/x" }]`,
      /must be an http:\/\/ or https:\/\/ URL without user:password@/,
    ],
    [
      'an Authorization header written inline',
      `  webhooks: [{ name: a, url: "http://127.0.0.1:9/x", headers: { Authorization: "Bearer abc" } }]`,
      /credentials are never written in walboard.yaml: .* tokenEnv/,
    ],
    [
      'forSeconds on operation-failed',
      `  webhooks: [{ name: a, url: "http://127.0.0.1:9/x" }]\n  rules: [{ name: r, kind: operation-failed, forSeconds: 30 }]`,
      /forSeconds does not apply/,
    ],
    [
      'duplicate rule names',
      `  webhooks: [{ name: a, url: "http://127.0.0.1:9/x" }]\n  rules: [{ name: r, kind: node-unreachable }, { name: r, kind: host-key-changed }]`,
      /duplicate rule name "r"/,
    ],
  ])('refuses %s with a message that says what to do', (_what, alerts, message) => {
    expect(problemsOf(base(`alerts:\n${alerts}\n`))).toMatch(message);
  });

  it('reads URL and token from the environment at start, and names a missing variable', () => {
    const cfg = parseConfigText(
      'walboard.yaml',
      base(`alerts:\n  webhooks: [{ name: slack, urlEnv: HOOK_URL, tokenEnv: HOOK_TOKEN }]\n`),
    );
    const alerts = cfg.alerts;
    if (!alerts) throw new Error('alerts not parsed');
    expect(() => resolveWebhooks(alerts, {})).toThrow(
      /urlEnv names HOOK_URL, but that environment variable is not set/,
    );
    expect(() => resolveWebhooks(alerts, { HOOK_URL: 'https://x.example/h' })).toThrow(
      /tokenEnv names HOOK_TOKEN, but that environment variable is not set/,
    );
    const [t] = resolveWebhooks(alerts, { HOOK_URL: 'https://x.example/h', HOOK_TOKEN: 'tk' });
    expect(t).toEqual({
      name: 'slack',
      url: 'https://x.example/h',
      headers: { authorization: 'Bearer tk' },
      secrets: ['https://x.example/h', 'tk'],
    });
  });
});
