import type { SignedIn } from '@walboard/server/src/auth/test-support/sign-in.ts';
import type { Operation, OperationPlan } from '@walboard/shared/operations';
import type { RunningWalboard } from './walboard.ts';

/** The operations API as a script would use it: plan, run (confirmed), follow to the end. */

export async function planOperation(
  wb: Pick<RunningWalboard, 'url' | 'admin'>,
  body: object,
  who: SignedIn = wb.admin,
): Promise<OperationPlan> {
  const res = await fetch(`${wb.url}/api/clusters/lab/operations`, {
    method: 'POST',
    headers: who.mutation,
    body: JSON.stringify({ ...body, dryRun: true }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`dry run answered ${res.status}: ${text}`);
  return (JSON.parse(text) as { plan: OperationPlan }).plan;
}

export async function startOperation(
  wb: Pick<RunningWalboard, 'url' | 'admin'>,
  body: object,
  who: SignedIn = wb.admin,
): Promise<Response> {
  return fetch(`${wb.url}/api/clusters/lab/operations`, {
    method: 'POST',
    headers: who.mutation,
    body: JSON.stringify({ confirm: true, ...body }),
  });
}

export async function getOperation(
  wb: Pick<RunningWalboard, 'url' | 'admin'>,
  id: string,
  who: SignedIn = wb.admin,
): Promise<Operation> {
  const res = await fetch(`${wb.url}/api/operations/${id}`, { headers: { cookie: who.cookie } });
  if (!res.ok) throw new Error(`GET /api/operations/${id}: ${res.status}`);
  return (await res.json()) as Operation;
}

/** Starts `body` confirmed and waits until it has ended (polling the API every 200 ms). */
export async function runOperation(
  wb: Pick<RunningWalboard, 'url' | 'admin'>,
  body: object,
  ms = 240_000,
  who: SignedIn = wb.admin,
): Promise<Operation> {
  const res = await startOperation(wb, body, who);
  const text = await res.text();
  if (res.status !== 202) throw new Error(`operation answered ${res.status}: ${text}`);
  const { id } = JSON.parse(text) as { id: string };
  const until = Date.now() + ms;
  for (;;) {
    const op = await getOperation(wb, id, who);
    if (op.state !== 'running') return op;
    if (Date.now() > until) throw new Error(`operation ${id} still running after ${ms} ms: ${op.message}`);
    if (process.env.WALBOARD_E2E_TRACE) {
      const s = op.steps.find((x) => x.state === 'running');
      console.error(
        `[op ${op.type}] ${s?.title} :: ${s?.output.split('\n').slice(-3).join(' | ')} ${JSON.stringify(s?.progress ?? null)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The operation's message and its failed steps' output, for assertion messages. */
export function whyFailed(op: Operation): string {
  return `${op.message}\n${op.steps
    .filter((s) => s.state === 'failed')
    .map((s) => `-- ${s.title} (${s.node})\n${s.output}`)
    .join('\n')}`;
}
