import type { RunningWalboard } from '../support/walboard.ts';

/**
 * Closes the controller, but never hangs the suite on it: a close that does not finish in time is
 * reported (it is a bug to fix) and the hosts are torn down anyway by the caller.
 */
export async function closeWithin(wb: RunningWalboard | undefined, ms = 10_000): Promise<void> {
  if (!wb) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => {
    timer = setTimeout(() => r('late'), ms);
  });
  const res = await Promise.race([wb.close().then(() => 'closed' as const), late]);
  clearTimeout(timer);
  if (res === 'late') console.warn(`walboard did not close within ${ms} ms (an onClose hook hangs)`);
}
