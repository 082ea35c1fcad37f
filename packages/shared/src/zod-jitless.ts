import { config } from 'zod';

// zod compiles object parsers with `new Function` when it may; just probing for that breaks the
// page's Content-Security-Policy (script-src 'self', no 'unsafe-eval'). Imported first by the web page (main.tsx),
// before any schema is built.
config({ jitless: true });
