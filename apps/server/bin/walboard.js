#!/usr/bin/env node
// The `walboard` command of a built and deployed server (`pnpm build`, then `pnpm deploy`): plain
// JavaScript, run by node alone. @walboard/shared exports its TypeScript sources by default (so
// that development, tests and the page use them without a build); the "walboard-built" condition
// selects its compiled dist/ instead. Node sets conditions only from the command line, so this
// adds it with a resolve hook before the server's first import.
import { register } from 'node:module';

register('./built-condition.js', import.meta.url);
await import('../dist/main.js');
