import { LAB_STEP_IDS, type LabStepId, type ThenAndNowRow } from '@walboard/shared/guide';
import { catalogs, type MessageKey } from '../../i18n/catalog.ts';

/** The rows of one lab step, in the order the server sent them (the Lab view shows them inside that step). */
export function rowsForStep(rows: readonly ThenAndNowRow[], step: LabStepId): ThenAndNowRow[] {
  return rows.filter((r) => r.step === step);
}

/** Rows grouped by lab step, in lab order; steps without a row are left out. */
export function groupByStep(rows: readonly ThenAndNowRow[]): [LabStepId, ThenAndNowRow[]][] {
  return LAB_STEP_IDS.map((step) => [step, rowsForStep(rows, step)] as [LabStepId, ThenAndNowRow[]]).filter(
    ([, r]) => r.length > 0,
  );
}

function messageKey(key: string): MessageKey | null {
  return Object.hasOwn(catalogs.en, key) ? (key as MessageKey) : null;
}

/** The catalog key naming a row's topic; null for a topic this page does not know (shown as sent). */
export function topicKey(topic: string): MessageKey | null {
  return messageKey(`thenNow.topic.${topic}`);
}

/** The catalog key of a row's reason; null when it did not change, or for a key this page does not know. */
export function whyKey(why: string | null): MessageKey | null {
  return why === null ? null : messageKey(why);
}

/** The request for a node's table; primary and standby name the lab pair when the page knows it. */
export function thenAndNowPath(
  cluster: string,
  node: string,
  pair?: { primary: string; standby: string },
): string {
  const q = new URLSearchParams({ node });
  if (pair) {
    q.set('primary', pair.primary);
    q.set('standby', pair.standby);
  }
  return `/api/clusters/${encodeURIComponent(cluster)}/lab/then-and-now?${q.toString()}`;
}
