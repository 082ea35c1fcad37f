import type { LossCheck } from '@walboard/shared/operations';
import { describe, expect, it } from 'vitest';
import { byteCount, lossCheckView } from './loss-check.ts';

const check = (patch: Partial<LossCheck>): LossCheck => ({
  oldPrimary: 'h1',
  oldPrimaryState: 'writable',
  primaryLsn: '0/3000148',
  receivedLsn: '0/3000060',
  replayedLsn: '0/3000000',
  unreceivedBytes: '232',
  unreplayedBytes: '96',
  fenceNeeded: true,
  ...patch,
});

describe('byteCount', () => {
  it('formats decimal text with the page formatter and keeps the raw text', () => {
    expect(byteCount('16777216')).toEqual({ raw: '16777216', text: '16.0 MiB', zero: false });
    expect(byteCount('0')).toEqual({ raw: '0', text: '0 B', zero: true });
  });

  it('says unknown (null) for null or text that is not a whole number', () => {
    expect(byteCount(null)).toBeNull();
    expect(byteCount('-5')).toBeNull();
    expect(byteCount('1e3')).toBeNull();
  });
});

describe('lossCheckView', () => {
  it('needs a fence when the server says so', () => {
    expect(lossCheckView(check({})).advice).toBe('needed');
  });

  it('explains why no fence is asked for otherwise', () => {
    expect(lossCheckView(check({ fenceNeeded: false, oldPrimaryState: 'down' })).advice).toBe('stopped');
    expect(lossCheckView(check({ fenceNeeded: false, oldPrimaryState: 'unreachable' })).advice).toBe(
      'unreachable',
    );
    expect(
      lossCheckView(check({ fenceNeeded: false, oldPrimaryState: 'none', oldPrimary: null })).advice,
    ).toBe('none');
  });

  it('shows both byte counts, unknown ones as null', () => {
    const v = lossCheckView(check({ unreceivedBytes: null }));
    expect(v.unreceived).toBeNull();
    expect(v.unreplayed).toEqual({ raw: '96', text: '96 B', zero: false });
  });
});
