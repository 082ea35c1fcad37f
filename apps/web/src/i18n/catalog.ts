import alertsEn from '../features/alerts/messages.en.json';
import alertsEs from '../features/alerts/messages.es.json';
import apiDocsEn from '../features/api-docs/messages.en.json';
import apiDocsEs from '../features/api-docs/messages.es.json';
import archiveEn from '../features/archive/messages.en.json';
import archiveEs from '../features/archive/messages.es.json';
import auditEn from '../features/audit/messages.en.json';
import auditEs from '../features/audit/messages.es.json';
import guideEn from '../features/guide/messages.en.json';
import guideEs from '../features/guide/messages.es.json';
import historyEn from '../features/history/messages.en.json';
import historyEs from '../features/history/messages.es.json';
import hostkeysEn from '../features/hostkeys/messages.en.json';
import hostkeysEs from '../features/hostkeys/messages.es.json';
import journeyEn from '../features/journey/messages.en.json';
import journeyEs from '../features/journey/messages.es.json';
import labResetEn from '../features/lab-reset/messages.en.json';
import labResetEs from '../features/lab-reset/messages.es.json';
import logsEn from '../features/logs/messages.en.json';
import logsEs from '../features/logs/messages.es.json';
import navigationEn from '../features/navigation/messages.en.json';
import navigationEs from '../features/navigation/messages.es.json';
import operationHistoryEn from '../features/operation-history/messages.en.json';
import operationHistoryEs from '../features/operation-history/messages.es.json';
import operationsEn from '../features/operations/messages.en.json';
import operationsEs from '../features/operations/messages.es.json';
import replicationEn from '../features/replication/messages.en.json';
import replicationEs from '../features/replication/messages.es.json';
import sessionEn from '../features/session/messages.en.json';
import sessionEs from '../features/session/messages.es.json';
import thenNowEn from '../features/then-and-now/messages.en.json';
import thenNowEs from '../features/then-and-now/messages.es.json';
import usersEn from '../features/users/messages.en.json';
import usersEs from '../features/users/messages.es.json';
import coreEn from './en.json';
import coreEs from './es.json';

// Each feature keeps its own messages beside its code (feature-prefixed keys); one catalog per language.
const en = {
  ...coreEn,
  ...replicationEn,
  ...archiveEn,
  ...logsEn,
  ...historyEn,
  ...sessionEn,
  ...navigationEn,
  ...usersEn,
  ...auditEn,
  ...hostkeysEn,
  ...operationsEn,
  ...operationHistoryEn,
  ...guideEn,
  ...thenNowEn,
  ...journeyEn,
  ...labResetEn,
  ...apiDocsEn,
  ...alertsEn,
};
const es = {
  ...coreEs,
  ...replicationEs,
  ...archiveEs,
  ...logsEs,
  ...historyEs,
  ...sessionEs,
  ...navigationEs,
  ...usersEs,
  ...auditEs,
  ...hostkeysEs,
  ...operationsEs,
  ...operationHistoryEs,
  ...guideEs,
  ...thenNowEs,
  ...journeyEs,
  ...labResetEs,
  ...apiDocsEs,
  ...alertsEs,
};

/** The files each catalog is made of, untyped, so tests can find extra or clashing keys. */
export const catalogParts: Readonly<Record<'en' | 'es', readonly Readonly<Record<string, string>>[]>> = {
  en: [
    coreEn,
    replicationEn,
    archiveEn,
    logsEn,
    historyEn,
    sessionEn,
    navigationEn,
    usersEn,
    auditEn,
    hostkeysEn,
    operationsEn,
    operationHistoryEn,
    guideEn,
    thenNowEn,
    journeyEn,
    labResetEn,
    apiDocsEn,
    alertsEn,
  ],
  es: [
    coreEs,
    replicationEs,
    archiveEs,
    logsEs,
    historyEs,
    sessionEs,
    navigationEs,
    usersEs,
    auditEs,
    hostkeysEs,
    operationsEs,
    operationHistoryEs,
    guideEs,
    thenNowEs,
    journeyEs,
    labResetEs,
    apiDocsEs,
    alertsEs,
  ],
};

export const languages = ['en', 'es'] as const;
export type Lang = (typeof languages)[number];

/** en.json is the reference catalog: a key missing from it (or from es.json) is a type error. */
export type MessageKey = keyof typeof en;
export type MessageVars = Readonly<Record<string, string | number>>;

// Typing es.json against en.json's keys makes a key missing in Spanish a compile error;
// extra keys and placeholder drift are caught by catalog.test.ts.
export const catalogs: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = { en, es };

const placeholder = /\{(\w+)\}/g;

/** Replaces each {name} with vars[name]; an unknown name stays visible as {name} so it gets noticed. */
export function format(template: string, vars?: MessageVars): string {
  if (!vars) return template;
  return template.replace(placeholder, (whole, name: string) =>
    Object.hasOwn(vars, name) ? String(vars[name]) : whole,
  );
}

/** The {placeholder} names a message uses, sorted, for comparing catalogs. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(placeholder)].map((m) => m[1] ?? '').sort();
}

export function translate(lang: Lang, key: MessageKey, vars?: MessageVars): string {
  return format(catalogs[lang][key], vars);
}

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

/** The stored choice wins; otherwise the browser's first preferred language we have; else English. */
export function pickLang(stored: string | null, preferred: readonly string[]): Lang {
  if (isLang(stored)) return stored;
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split('-')[0];
    if (isLang(primary)) return primary;
  }
  return 'en';
}
