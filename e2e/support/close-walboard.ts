import type { RunningWalboard } from './walboard.ts';

/**
 * Closes an in-process controller without letting a hung onClose hook hang the caller: after `ms`
 * it warns (that is a bug to report) and returns, so the caller still tears the hosts down — which
 * ends the ssh connections the hook was waiting on.
 */
export async function closeWalboardWithin(wb: RunningWalboard | undefined, ms = 10_000): Promise<boolean> {
  if (!wb) return true;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  const closed = await Promise.race([wb.close().then(() => true as const), late]);
  clearTimeout(timer);
  if (!closed)
    console.warn(`walboard did not close within ${ms} ms (an onClose hook hangs); tearing down anyway`);
  return closed;
}
