import { config } from 'zod';

// zod compiles object parsers with `new Function` when it may; just probing for that breaks the
// page's Content-Security-Policy (script-src 'self', no 'unsafe-eval'). zod probes when an object
// schema is built, so every shared module that builds schemas imports this first: the page's
// code-split chunks may build them before main.tsx's own body runs.
config({ jitless: true });
