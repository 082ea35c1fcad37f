import { describe, expect, it } from 'vitest';
import { newPasswordValid, parseClusterList, roles, validateNewUser } from './user-form.ts';

const good = { username: 'alice', password: 'correct horse battery', role: 'operator', clusters: '' };

describe('parseClusterList', () => {
  it('splits on commas, trims, drops empties and repeats', () => {
    expect(parseClusterList(' main, lab ,,main ')).toEqual(['main', 'lab']);
  });

  it('reads nothing as "every cluster" (null)', () => {
    expect(parseClusterList('')).toBeNull();
    expect(parseClusterList(' , ')).toBeNull();
  });
});

describe('validateNewUser', () => {
  it('builds the body the server expects', () => {
    expect(validateNewUser({ ...good, username: ' alice ', clusters: 'main' })).toEqual({
      ok: true,
      body: { username: 'alice', password: 'correct horse battery', role: 'operator', clusters: ['main'] },
    });
    expect(validateNewUser(good)).toMatchObject({ ok: true, body: { clusters: null } });
  });

  it('names each field the shared schema refuses', () => {
    expect(validateNewUser({ ...good, password: 'short' })).toEqual({ ok: false, fields: ['password'] });
    expect(
      validateNewUser({ username: '-rm', password: 'x', role: 'root', clusters: 'ok, bad;name' }),
    ).toMatchObject({
      ok: false,
      fields: expect.arrayContaining(['username', 'password', 'role', 'clusters']),
    });
  });

  it('refuses names with shell or path characters', () => {
    for (const username of ['a b', 'a;id', '../x', '.hidden', '$(id)', '']) {
      expect(validateNewUser({ ...good, username }), username).toEqual({ ok: false, fields: ['username'] });
    }
  });
});

describe('newPasswordValid', () => {
  it('needs 12 to 1024 characters', () => {
    expect(newPasswordValid('x'.repeat(11))).toBe(false);
    expect(newPasswordValid('x'.repeat(12))).toBe(true);
    expect(newPasswordValid('x'.repeat(1025))).toBe(false);
  });
});

describe('roles', () => {
  it('lists the roles from least to most', () => {
    expect(roles).toEqual(['viewer', 'operator', 'admin']);
  });
});
