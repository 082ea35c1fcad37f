// Part of `pnpm build`: the built server carries the built page (dist/web), so a deployed copy
// (`pnpm deploy`) serves it without apps/web beside it. The page is built before the server
// (root `pnpm build`).
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const server = join(dirname(fileURLToPath(import.meta.url)), '..');
const page = join(server, '../web/dist');
if (!existsSync(join(page, 'index.html'))) {
  console.error(
    `the built page is missing (${page}/index.html): build it first with \`pnpm --filter @walboard/web build\`, or run \`pnpm build\` at the top of the checkout`,
  );
  process.exit(1);
}
const target = join(server, 'dist/web');
rmSync(target, { recursive: true, force: true });
cpSync(page, target, { recursive: true });
