import { describe, expect, it } from 'vitest';
import { nameSchema } from './config.ts';
import { subscribeMessageSchema } from './events.ts';
import { lsnSchema } from './status.ts';

describe('shared schemas', () => {
  it('accepts plain names and refuses shell metacharacters, leading dashes and dots', () => {
    for (const ok of ['lab', 'h1', 'node-2', 'pg_15.main'])
      expect(nameSchema.safeParse(ok).success).toBe(true);
    for (const bad of [
      '',
      '-oProxyCommand=x',
      '.hidden',
      'a;b',
      '$(id)',
      'a b',
      'a\nb',
      '`x`',
      'é',
      'x'.repeat(64),
    ]) {
      expect(nameSchema.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('refuses a subscribe message with extra fields or a hostile cluster name', () => {
    expect(subscribeMessageSchema.safeParse({ cluster: 'lab' }).success).toBe(true);
    expect(subscribeMessageSchema.safeParse({ cluster: 'lab', admin: true }).success).toBe(false);
    expect(subscribeMessageSchema.safeParse({ cluster: '../etc' }).success).toBe(false);
    expect(subscribeMessageSchema.safeParse('lab').success).toBe(false);
  });

  it('keeps LSNs in PostgreSQL text form', () => {
    expect(lsnSchema.safeParse('16/B374D848').success).toBe(true);
    expect(lsnSchema.safeParse('0/0').success).toBe(true);
    expect(lsnSchema.safeParse('16/b374d848').success).toBe(false);
    expect(lsnSchema.safeParse('123').success).toBe(false);
  });
});
