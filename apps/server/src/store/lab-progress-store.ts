import {
  type LabCheck,
  type LabPair,
  labCheckSchema,
  labPairSchema,
  labStepIdSchema,
} from '@walboard/shared/guide';
import type Database from 'better-sqlite3';
import { z } from 'zod';

/** A cluster's guided-lab record: the pair, when this run began, and each step's last Check. */
export interface StoredLabProgress {
  cluster: string;
  pair: LabPair;
  since: string;
  checks: Partial<Record<z.infer<typeof labStepIdSchema>, LabCheck>>;
  updatedAt: string | null;
}

interface Row {
  cluster: string;
  pair: string;
  since: string;
  checks: string;
  updated_at: string | null;
}

const checksSchema = z.partialRecord(labStepIdSchema, labCheckSchema);

/** The lab_progress table: one row per cluster, replaced whole on each change. */
export class LabProgressStore {
  private readonly selectOne: Database.Statement<[string], Row>;
  private readonly upsert: Database.Statement<[string, string, string, string, string | null]>;
  private readonly deleteOne: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.selectOne = db.prepare('SELECT * FROM lab_progress WHERE cluster = ?');
    this.upsert = db.prepare(`
      INSERT INTO lab_progress (cluster, pair, since, checks, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (cluster) DO UPDATE SET
        pair = excluded.pair, since = excluded.since, checks = excluded.checks, updated_at = excluded.updated_at`);
    this.deleteOne = db.prepare('DELETE FROM lab_progress WHERE cluster = ?');
  }

  /** null when the cluster has no record, or one this version cannot read (it starts afresh). */
  get(cluster: string): StoredLabProgress | null {
    const r = this.selectOne.get(cluster);
    if (!r) return null;
    const pair = labPairSchema.safeParse(safeJson(r.pair));
    const checks = checksSchema.safeParse(safeJson(r.checks));
    if (!pair.success || !checks.success) return null;
    return { cluster, pair: pair.data, since: r.since, checks: checks.data, updatedAt: r.updated_at };
  }

  set(p: StoredLabProgress): void {
    this.upsert.run(p.cluster, JSON.stringify(p.pair), p.since, JSON.stringify(p.checks), p.updatedAt);
  }

  clear(cluster: string): void {
    this.deleteOne.run(cluster);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
