/**
 * pg_hba.conf as far as replication lines go: parse the active rules, find the first one a
 * standby's replication connection would meet (the server stops at the first match), and add
 * `host replication <role> <address> <method>` where it will be met first.
 */

export interface HbaRule {
  /** 1-based line number. */
  line: number;
  type: string;
  /** Names as the server reads them (quotes removed). */
  databases: string[];
  users: string[];
  /** The items written without quotes: only these can be keywords (all, replication, …). */
  databaseKeywords: string[];
  userKeywords: string[];
  /** Address field (CIDR, host name, all, samehost, samenet), null for local lines. */
  address: string | null;
  /** A separate netmask field, when the address is written without /bits. */
  mask: string | null;
  method: string;
}

/**
 * Whitespace-separated fields; double quotes are kept around quoted text, because a quoted
 * keyword ("all", "replication") is a plain name to the server, not the keyword.
 */
function tokens(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let inToken = false;
  for (const c of line) {
    if (!quoted && c === '#') break;
    if (c === '"') {
      quoted = !quoted;
      inToken = true;
      cur += c;
      continue;
    }
    if (!quoted && /\s/.test(c)) {
      if (inToken) out.push(cur);
      cur = '';
      inToken = false;
      continue;
    }
    cur += c;
    inToken = true;
  }
  if (inToken) out.push(cur);
  return out;
}

const TCP_TYPES = new Set(['host', 'hostssl', 'hostnossl', 'hostgssenc', 'hostnogssenc']);

/** Splits a comma list (quotes kept in `raw`): each item's name, and whether it was quoted. */
function listItems(raw: string): { name: string; quoted: boolean }[] {
  const items: { name: string; quoted: boolean }[] = [];
  let cur = '';
  let quoted = false;
  let inQuotes = false;
  for (const c of raw) {
    if (c === '"') {
      inQuotes = !inQuotes;
      quoted = true;
      continue;
    }
    if (c === ',' && !inQuotes) {
      items.push({ name: cur, quoted });
      cur = '';
      quoted = false;
      continue;
    }
    cur += c;
  }
  items.push({ name: cur, quoted });
  return items;
}

function lists(raw: string): { names: string[]; keywords: string[] } {
  const items = listItems(raw);
  return { names: items.map((i) => i.name), keywords: items.filter((i) => !i.quoted).map((i) => i.name) };
}

/** Active rules in file order (include directives and malformed lines are skipped). */
export function parseHba(text: string): HbaRule[] {
  const rules: HbaRule[] = [];
  text.split('\n').forEach((raw, i) => {
    const t = tokens(raw);
    const [type, db, user] = t;
    if (!type || !db || !user) return;
    const d = lists(db);
    const u = lists(user);
    const who = {
      databases: d.names,
      databaseKeywords: d.keywords,
      users: u.names,
      userKeywords: u.keywords,
    };
    if (type === 'local') {
      rules.push({ line: i + 1, type, ...who, address: null, mask: null, method: t[3] ?? '' });
      return;
    }
    if (!TCP_TYPES.has(type)) return;
    const address = t[3] === undefined ? null : t[3].replaceAll('"', '');
    const maybeMask = t[4] ?? '';
    const hasMask = address !== null && !address.includes('/') && /^\d{1,3}(\.\d{1,3}){3}$/.test(maybeMask);
    rules.push({
      line: i + 1,
      type,
      ...who,
      address,
      mask: hasMask ? maybeMask : null,
      method: (hasMask ? t[5] : t[4]) ?? '',
    });
  });
  return rules;
}

function ipv4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return (
    (((parts[0] as number) << 24) >>> 0) +
    ((parts[1] as number) << 16) +
    ((parts[2] as number) << 8) +
    (parts[3] as number)
  );
}

/** 'yes' / 'no' / 'maybe' (host names, samehost, IPv6 the parser does not weigh). */
function addressMatch(rule: HbaRule, ip: string): 'yes' | 'no' | 'maybe' {
  const a = rule.address;
  if (a === null) return 'no';
  if (a === 'all') return 'yes';
  // An IPv6 entry matches only IPv6 connections, an IPv4 entry only IPv4 ones.
  const ruleV6 = /^[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(\/\d+)?$/.test(a);
  const ruleV4 = /^\d{1,3}(\.\d{1,3}){3}(\/\d+)?$/.test(a);
  const targetV6 = ip.includes(':');
  const targetV4 = ipv4(ip) !== null;
  if ((ruleV6 && targetV4) || (ruleV4 && targetV6)) return 'no';
  const target = ipv4(ip);
  let net: number | null;
  let bits: number;
  if (a.includes('/')) {
    const [n = '', b = ''] = a.split('/');
    net = ipv4(n);
    bits = Number(b);
  } else if (rule.mask) {
    net = ipv4(a);
    const m = ipv4(rule.mask) ?? 0;
    bits = m.toString(2).replace(/0+$/, '').length;
  } else {
    return a === ip ? 'yes' : 'maybe';
  }
  if (net === null || target === null || !Number.isInteger(bits) || bits < 0 || bits > 32) return 'maybe';
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (net & mask) >>> 0 === (target & mask) >>> 0 ? 'yes' : 'no';
}

function userMatch(rule: HbaRule, user: string): 'yes' | 'no' | 'maybe' {
  if (rule.userKeywords.includes('all') || rule.users.includes(user)) return 'yes';
  return rule.userKeywords.some((u) => u.startsWith('+') || u.startsWith('@') || u.startsWith('/'))
    ? 'maybe'
    : 'no';
}

export interface ReplicationAccess {
  /** The first rule a replication connection of `user` from `ip` may meet, if any. */
  rule: HbaRule | null;
  /** That rule surely matches and lets a password (or trust) through: nothing to add. */
  allowed: boolean;
  /** That rule surely matches (whatever its method). */
  sure: boolean;
}

/** What the server does with a TCP replication connection of `user` from `ip` (without SSL). */
export function replicationAccess(text: string, user: string, ip: string): ReplicationAccess {
  for (const r of parseHba(text)) {
    if (r.type === 'local') continue;
    if (!r.databaseKeywords.includes('replication')) continue;
    const u = userMatch(r, user);
    const a = addressMatch(r, ip);
    if (u === 'no' || a === 'no') continue;
    const sure = u === 'yes' && a === 'yes' && (r.type === 'host' || r.type === 'hostnossl');
    const passes = ['scram-sha-256', 'md5', 'password', 'trust'].includes(r.method);
    return { rule: r, allowed: sure && passes, sure };
  }
  return { rule: null, allowed: false, sure: false };
}

/**
 * The file with `line` added before the first rule a replication connection could meet (or at
 * the end), preceded by a comment naming why. Unchanged when the exact line is already there.
 */
export function withHbaLine(
  text: string,
  line: string,
  comment: string,
  user: string,
  ip: string,
): { text: string; changed: boolean } {
  const lines = text.split('\n');
  const first = replicationAccess(text, user, ip).rule;
  const exact = lines.findIndex((l) => tokens(l).join(' ') === tokens(line).join(' '));
  // The same line already stands where the server meets it first: nothing to do.
  if (exact >= 0 && (!first || first.line >= exact + 1)) return { text, changed: false };
  const block = [`# ${comment}`, line];
  if (first) lines.splice(first.line - 1, 0, ...block);
  else {
    if (lines[lines.length - 1] === '') lines.pop();
    lines.push(...block, '');
  }
  return { text: lines.join('\n'), changed: true };
}
