import { useEffect, useState } from 'react';
import { secondsLeft } from './login-outcome.ts';

/** Seconds left until `untilMs` (0 when null or past), ticking while there is time left. */
export function useCountdown(untilMs: number | null): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (untilMs === null) return;
    setNow(Date.now());
    const id = setInterval(() => {
      const t = Date.now();
      setNow(t);
      if (t >= untilMs) clearInterval(id);
    }, 250);
    return () => clearInterval(id);
  }, [untilMs]);
  return untilMs === null ? 0 : secondsLeft(untilMs, now);
}
