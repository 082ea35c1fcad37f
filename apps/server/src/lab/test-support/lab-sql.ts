import pg from 'pg';
import { LAB_PASSWORD_ENV, type Lab } from '../create-lab.ts';

/**
 * The test's own SQL on one of the lab's servers (node 0 or 1), on a connection it opens itself:
 * what a test proves with it does not go through walboard's session code.
 */
export async function labSql<R extends pg.QueryResultRow>(
  lab: Lab,
  node: 0 | 1,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  const c = new pg.Client({
    host: '127.0.0.1',
    port: lab.nodes[node]?.port,
    user: 'postgres',
    password: lab.env[LAB_PASSWORD_ENV],
    database: 'postgres',
  });
  await c.connect();
  try {
    return (await c.query<R>(text, params)).rows;
  } finally {
    await c.end();
  }
}
