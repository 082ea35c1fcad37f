import { LAB_STEP_IDS, type ThenAndNowRow } from '@walboard/shared/guide';
import { describe, expect, it } from 'vitest';
import { catalogs, languages } from '../../i18n/catalog.ts';
import { groupByStep, rowsForStep, thenAndNowPath, topicKey, whyKey } from './then-and-now-view.ts';

const row = (step: ThenAndNowRow['step'], topic: string, why: string | null = null): ThenAndNowRow => ({
  step,
  topic,
  v91: `${topic} 9.1`,
  current: why ? `${topic} now` : `${topic} 9.1`,
  why,
});

const rows: ThenAndNowRow[] = [
  row('shipping', 'wal-level', 'thenNow.why.walLevel'),
  row('shipping', 'archive-mode'),
  row('standby-config', 'standby-file', 'thenNow.why.standbySignal'),
  row('promote', 'promote', 'thenNow.why.pgPromote'),
];

describe('then and now, per lab step', () => {
  it('keeps only the rows of the step asked for, in the order sent', () => {
    expect(rowsForStep(rows, 'shipping').map((r) => r.topic)).toEqual(['wal-level', 'archive-mode']);
    expect(rowsForStep(rows, 'link')).toEqual([]);
  });

  it('groups in lab order and leaves steps without rows out', () => {
    const shuffled = [rows[3], rows[0], rows[2], rows[1]] as ThenAndNowRow[];
    expect(groupByStep(shuffled).map(([step, r]) => [step, r.map((x) => x.topic)])).toEqual([
      ['shipping', ['wal-level', 'archive-mode']],
      ['standby-config', ['standby-file']],
      ['promote', ['promote']],
    ]);
    expect(LAB_STEP_IDS.indexOf('shipping')).toBeLessThan(LAB_STEP_IDS.indexOf('promote'));
  });

  it('translates known topics and reasons in both languages, and never invents a key', () => {
    const topic = topicKey('wal-level');
    const why = whyKey('thenNow.why.walKeepSize');
    expect(topic).toBe('thenNow.topic.wal-level');
    expect(why).toBe('thenNow.why.walKeepSize');
    for (const lang of languages) {
      if (!topic || !why) throw new Error('keys missing');
      expect(catalogs[lang][topic]).toBeTruthy();
      expect(catalogs[lang][why]).toMatch(/13/);
    }
    expect(topicKey('no-such-topic')).toBeNull();
    expect(whyKey('thenNow.why.noSuchReason')).toBeNull();
    expect(whyKey(null)).toBeNull();
    // A key of another feature is not a topic.
    expect(topicKey('../heading')).toBeNull();
  });

  it('asks for one node, with the pair when known, every part encoded', () => {
    expect(thenAndNowPath('lab', 'h2')).toBe('/api/clusters/lab/lab/then-and-now?node=h2');
    expect(thenAndNowPath('a b', 'n&1', { primary: 'p=1', standby: 's' })).toBe(
      '/api/clusters/a%20b/lab/then-and-now?node=n%261&primary=p%3D1&standby=s',
    );
  });
});
