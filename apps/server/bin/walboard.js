#!/usr/bin/env -S node --conditions=walboard-built
// The `walboard` command of a built and deployed server (`pnpm build`, then `pnpm deploy`): plain
// JavaScript, run by node alone. @walboard/shared exports its TypeScript sources by default (so
// that development, tests and the page use them without a build); the "walboard-built" condition
// selects its compiled dist/ instead. Run as a program, the first line gives node that condition;
// run as `node bin/walboard.js`, a resolve hook adds it (it costs ~0.1 s of start-up).
import { register } from 'node:module';

if (!process.execArgv.includes('--conditions=walboard-built')) {
  register('./built-condition.js', import.meta.url);
}
await import('../dist/main.js');
