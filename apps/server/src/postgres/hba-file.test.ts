import { describe, expect, it } from 'vitest';
import { parseHba, replicationAccess, withHbaLine } from './hba-file.ts';

// The tail of /etc/postgresql/10/main/pg_hba.conf as Debian's postgresql-common writes it (md5).
const DEBIAN_10 = `# PostgreSQL Client Authentication Configuration File
# ===================================================
#
# local      DATABASE  USER  METHOD  [OPTIONS]
# host       DATABASE  USER  ADDRESS  METHOD  [OPTIONS]
# hostssl    DATABASE  USER  ADDRESS  METHOD  [OPTIONS]
# hostnossl  DATABASE  USER  ADDRESS  METHOD  [OPTIONS]
#
# DO NOT DISABLE!
# If you change this first entry you will need to make sure that the
# database superuser can access the database using some other method.
# Noninteractive access to all databases is required during automatic
# maintenance (custom daily cronjobs, replication, and similar tasks).
#
# Database administrative login by Unix domain socket
local   all             postgres                                peer

# TYPE  DATABASE        USER            ADDRESS                 METHOD

# "local" is for Unix domain socket connections only
local   all             all                                     peer
# IPv4 local connections:
host    all             all             127.0.0.1/32            md5
# IPv6 local connections:
host    all             all             ::1/128                 md5
# Allow replication connections from localhost, by a user with the
# replication privilege.
local   replication     all                                     peer
host    replication     all             127.0.0.1/32            md5
host    replication     all             ::1/128                 md5
`;

// The same file for 15 (scram-sha-256), with tabs as some installations have them.
const DEBIAN_15 = `# Database administrative login by Unix domain socket
local   all             postgres                                peer

# TYPE  DATABASE        USER            ADDRESS                 METHOD

# "local" is for Unix domain socket connections only
local   all             all                                     peer
# IPv4 local connections:
host    all             all             127.0.0.1/32            scram-sha-256
# IPv6 local connections:
host    all             all             ::1/128                 scram-sha-256
# Allow replication connections from localhost, by a user with the
# replication privilege.
local   replication     all                                     peer
host\treplication\tall\t127.0.0.1/32\tscram-sha-256
host    replication     all             ::1/128                 scram-sha-256
`;

// initdb's own default (no -A): trust everywhere.
const INITDB_15_TRUST = `# TYPE  DATABASE        USER            ADDRESS                 METHOD

# "local" is for Unix domain socket connections only
local   all             all                                     trust
# IPv4 local connections:
host    all             all             127.0.0.1/32            trust
# IPv6 local connections:
host    all             all             ::1/128                 trust
# Allow replication connections from localhost, by a user with the
# replication privilege.
local   replication     all                                     trust
host    replication     all             127.0.0.1/32            trust
host    replication     all             ::1/128                 trust
`;

const lineOf = (text: string, line: string) => text.split('\n').indexOf(line) + 1;

describe('parseHba', () => {
  it('reads the Debian 10 default: comments and blank lines skipped, line numbers 1-based', () => {
    const rules = parseHba(DEBIAN_10);
    expect(rules.map((r) => [r.line, r.type, r.databases, r.users, r.address, r.mask, r.method])).toEqual([
      [16, 'local', ['all'], ['postgres'], null, null, 'peer'],
      [21, 'local', ['all'], ['all'], null, null, 'peer'],
      [23, 'host', ['all'], ['all'], '127.0.0.1/32', null, 'md5'],
      [25, 'host', ['all'], ['all'], '::1/128', null, 'md5'],
      [28, 'local', ['replication'], ['all'], null, null, 'peer'],
      [29, 'host', ['replication'], ['all'], '127.0.0.1/32', null, 'md5'],
      [30, 'host', ['replication'], ['all'], '::1/128', null, 'md5'],
    ]);
    // The line numbers are those of the file.
    const lines = DEBIAN_10.split('\n');
    expect(lines[28]).toMatch(/^host +replication +all +127\.0\.0\.1\/32 +md5$/);
  });

  it('reads tab-separated fields (Debian 15 with tabs) like space-separated ones', () => {
    const r = parseHba(DEBIAN_15).find(
      (x) => x.address === '127.0.0.1/32' && x.databases[0] === 'replication',
    );
    expect(r).toMatchObject({ type: 'host', users: ['all'], method: 'scram-sha-256' });
  });

  it('reads a separate netmask column, and the method after it', () => {
    const [r] = parseHba('host  replication  replicator  10.1.2.0  255.255.255.0  scram-sha-256\n');
    expect(r).toEqual({
      line: 1,
      type: 'host',
      databases: ['replication'],
      users: ['replicator'],
      databaseKeywords: ['replication'],
      userKeywords: ['replicator'],
      address: '10.1.2.0',
      mask: '255.255.255.0',
      method: 'scram-sha-256',
    });
    // A host name is never followed by a mask: the next field is the method.
    const [h] = parseHba('host replication replicator standby1.example.com md5 \n');
    expect([h?.address, h?.mask, h?.method]).toEqual(['standby1.example.com', null, 'md5']);
    // A CIDR address and options after the method.
    const [o] = parseHba('hostssl replication replicator 10.0.0.0/8 cert clientcert=verify-full\n');
    expect([o?.address, o?.mask, o?.method]).toEqual(['10.0.0.0/8', null, 'cert']);
  });

  it('splits comma lists, reads quoted fields as one token, and stops at # outside quotes only', () => {
    const [r] = parseHba(
      'host replication,postgres "repl user",backup 10.0.0.0/8 md5 # walboard\n' +
        'host replication "a#b" 10.0.0.0/8 md5\n',
    );
    expect(r?.databases).toEqual(['replication', 'postgres']);
    expect(r?.users).toEqual(['repl user', 'backup']);
    // Only unquoted items can be keywords.
    expect(r?.userKeywords).toEqual(['backup']);
    expect(r?.method).toBe('md5');
    expect(parseHba('host replication "a#b" 10.0.0.0/8 md5\n')[0]?.users).toEqual(['a#b']);
  });

  it('skips include directives, unknown types and lines with missing fields; reads CRLF files', () => {
    const text = [
      'include_dir conf.d',
      'include_if_exists extra.conf',
      'host replication',
      'hostx replication all 10.0.0.0/8 md5',
      'host replication all 10.0.0.0/8 md5\r',
      '',
    ].join('\n');
    const rules = parseHba(text);
    expect(rules.map((r) => [r.line, r.type, r.method])).toEqual([[5, 'host', 'md5']]);
  });
});

describe('replicationAccess', () => {
  it('localhost standby on the Debian 15 default: the 127.0.0.1 replication line lets it in', () => {
    const a = replicationAccess(DEBIAN_15, 'replicator', '127.0.0.1');
    expect(a.allowed).toBe(true);
    expect(a.rule?.line).toBe(15);
    expect(a.rule?.databases).toEqual(['replication']);
    expect(replicationAccess(INITDB_15_TRUST, 'replicator', '127.0.0.1')).toMatchObject({
      allowed: true,
      rule: { line: 12, method: 'trust' },
    });
    expect(replicationAccess(DEBIAN_10, 'replicator', '127.0.0.1')).toMatchObject({
      allowed: true,
      rule: { line: 29, method: 'md5' },
    });
  });

  it('a standby on another host is not let in by any Debian or initdb default', () => {
    for (const text of [DEBIAN_10, DEBIAN_15, INITDB_15_TRUST]) {
      const a = replicationAccess(text, 'replicator', '10.0.0.5');
      expect(a.allowed).toBe(false);
      // Never a line whose database column is `all`: those do not cover replication connections.
      expect(a.rule?.databases ?? ['replication']).toContain('replication');
      // Never the IPv4 localhost line either.
      expect(a.rule?.address).not.toBe('127.0.0.1/32');
    }
  });

  it("an IPv6 pattern never matches an IPv4 connection: a rule appended after Debian's ::1 line is met", () => {
    // PostgreSQL: "An entry given in IPv4 format will match only IPv4 connections, and an entry
    // given in IPv6 format will match only IPv6 connections".
    const appended = `${DEBIAN_15}host    replication     replicator      10.0.0.0/24             scram-sha-256\n`;
    expect(replicationAccess(appended, 'replicator', '10.0.0.2')).toMatchObject({
      allowed: true,
      rule: { line: 17, address: '10.0.0.0/24' },
    });
    expect(replicationAccess('host replication all ::/0 reject\n', 'replicator', '10.0.0.2')).toEqual({
      rule: null,
      allowed: false,
      sure: false,
    });
  });

  it('`all` in the database column does not match a replication connection', () => {
    const text = 'host all all 0.0.0.0/0 trust\nhost all replicator 10.0.0.5/32 scram-sha-256\n';
    expect(replicationAccess(text, 'replicator', '10.0.0.5')).toEqual({
      rule: null,
      allowed: false,
      sure: false,
    });
    const withRepl = `${text}host replication replicator 10.0.0.5/32 scram-sha-256\n`;
    expect(replicationAccess(withRepl, 'replicator', '10.0.0.5')).toMatchObject({
      allowed: true,
      rule: { line: 3 },
    });
  });

  it('matches CIDR ranges bit by bit', () => {
    const at = (cidr: string, ip: string) =>
      replicationAccess(`host replication replicator ${cidr} md5\n`, 'replicator', ip).allowed;
    expect(at('10.0.0.0/8', '10.200.3.4')).toBe(true);
    expect(at('10.0.0.0/8', '11.0.0.1')).toBe(false);
    expect(at('10.0.0.0/24', '10.0.0.255')).toBe(true);
    expect(at('10.0.0.0/24', '10.0.1.5')).toBe(false);
    expect(at('192.168.2.0/23', '192.168.3.255')).toBe(true);
    expect(at('192.168.2.0/23', '192.168.4.1')).toBe(false);
    expect(at('192.168.2.0/23', '192.168.1.255')).toBe(false);
    expect(at('192.168.1.77/32', '192.168.1.77')).toBe(true);
    expect(at('192.168.1.77/32', '192.168.1.78')).toBe(false);
    expect(at('0.0.0.0/0', '203.0.113.9')).toBe(true);
    // High first octet: no sign trouble in 32-bit arithmetic.
    expect(at('200.1.0.0/16', '200.1.250.3')).toBe(true);
    expect(at('200.1.0.0/16', '200.2.0.3')).toBe(false);
    expect(at('all', '198.51.100.7')).toBe(true);
  });

  it('matches a separate netmask column like the same /bits', () => {
    const at = (addr: string, mask: string, ip: string) =>
      replicationAccess(`host replication replicator ${addr} ${mask} md5\n`, 'replicator', ip).allowed;
    expect(at('10.1.2.0', '255.255.255.0', '10.1.2.9')).toBe(true);
    expect(at('10.1.2.0', '255.255.255.0', '10.1.3.9')).toBe(false);
    expect(at('10.1.0.0', '255.255.0.0', '10.1.77.1')).toBe(true);
    expect(at('10.1.0.0', '255.255.0.0', '10.2.0.1')).toBe(false);
    expect(at('10.1.2.3', '255.255.255.255', '10.1.2.3')).toBe(true);
    expect(at('10.1.2.3', '255.255.255.255', '10.1.2.4')).toBe(false);
    expect(at('0.0.0.0', '0.0.0.0', '172.16.5.4')).toBe(true);
  });

  it('user column: the role, `all`, and lists; groups (+) and files (@) may match', () => {
    const at = (users: string) =>
      replicationAccess(`host replication ${users} 10.0.0.0/8 md5\n`, 'replicator', '10.0.0.5');
    expect(at('replicator').allowed).toBe(true);
    expect(at('all').allowed).toBe(true);
    expect(at('backup,replicator').allowed).toBe(true);
    expect(at('backup')).toEqual({ rule: null, allowed: false, sure: false });
    // A group or a file of names may hold the role: the rule is the one met, but not surely allowed.
    expect(at('+replicators')).toMatchObject({ rule: { line: 1 }, allowed: false });
    expect(at('@standbys')).toMatchObject({ rule: { line: 1 }, allowed: false });
  });

  // PostgreSQL: "Quoting one of the keywords in a database, user, or address field (e.g., all or
  // replication) makes the word lose its special meaning, and just match a database, user, or host
  // with that name."
  it('a quoted "all" in the user column is a role named all, not every role', () => {
    expect(replicationAccess('host replication "all" 10.0.0.5/32 trust\n', 'replicator', '10.0.0.5')).toEqual(
      { rule: null, allowed: false, sure: false },
    );
  });

  it('a quoted "replication" in the database column is a database of that name, not replication connections', () => {
    expect(
      replicationAccess('host "replication" replicator 10.0.0.5/32 trust\n', 'replicator', '10.0.0.5'),
    ).toEqual({ rule: null, allowed: false, sure: false });
  });

  it('a reject line before any allowing line is the rule met: not allowed', () => {
    const text = [
      'host replication all 10.0.0.0/8 reject',
      'host replication replicator 10.0.0.5/32 scram-sha-256',
      '',
    ].join('\n');
    expect(replicationAccess(text, 'replicator', '10.0.0.5')).toMatchObject({
      allowed: false,
      rule: { line: 1, method: 'reject' },
    });
    // A reject for another range is not met.
    const other = text.replace('10.0.0.0/8', '192.168.0.0/16');
    expect(replicationAccess(other, 'replicator', '10.0.0.5')).toMatchObject({
      allowed: true,
      rule: { line: 2 },
    });
  });

  it('methods: password methods and trust let a standby in; peer, ident, cert, gss do not', () => {
    for (const [method, ok] of [
      ['scram-sha-256', true],
      ['md5', true],
      ['password', true],
      ['trust', true],
      ['reject', false],
      ['ident', false],
      ['cert', false],
      ['gss', false],
    ] as const) {
      const a = replicationAccess(
        `host replication replicator 10.0.0.5/32 ${method}\n`,
        'replicator',
        '10.0.0.5',
      );
      expect([method, a.allowed, a.rule?.line]).toEqual([method, ok, 1]);
    }
  });

  it('hostssl is not surely met (the standby may not use SSL); hostnossl is', () => {
    expect(
      replicationAccess('hostssl replication replicator 10.0.0.5/32 md5\n', 'replicator', '10.0.0.5'),
    ).toMatchObject({ allowed: false, rule: { line: 1 } });
    expect(
      replicationAccess('hostnossl replication replicator 10.0.0.5/32 md5\n', 'replicator', '10.0.0.5'),
    ).toMatchObject({ allowed: true, rule: { line: 1 } });
  });

  it('local lines are never met by a TCP connection', () => {
    expect(replicationAccess('local replication all trust\n', 'replicator', '127.0.0.1')).toEqual({
      rule: null,
      allowed: false,
      sure: false,
    });
  });

  it('host names and samenet may match: the rule is met but not surely allowed', () => {
    for (const addr of ['standby1.example.com', 'samenet', 'samehost', '.example.com']) {
      const a = replicationAccess(`host replication replicator ${addr} md5\n`, 'replicator', '10.0.0.5');
      expect([addr, a.allowed, a.rule?.line]).toEqual([addr, false, 1]);
    }
  });
});

describe('withHbaLine', () => {
  const LINE = 'host replication replicator 10.0.0.5/32 scram-sha-256';
  const COMMENT = 'walboard (c1): db2 streams WAL from db1';

  it('on the Debian 15 default: the new line is the first rule a replication connection from the standby meets', () => {
    const r = withHbaLine(DEBIAN_15, LINE, COMMENT, 'replicator', '10.0.0.5');
    expect(r.changed).toBe(true);
    const after = r.text.split('\n');
    // The comment is directly above the line.
    const at = after.indexOf(LINE);
    expect(at).toBeGreaterThan(0);
    expect(after[at - 1]).toBe(`# ${COMMENT}`);
    // Every original line is kept, in order, and only the two lines are new.
    const without = after.filter((_, i) => i !== at && i !== at - 1);
    expect(without.join('\n')).toBe(DEBIAN_15);
    // It comes after the lines that cannot concern this connection (local, `all`, 127.0.0.1)…
    expect(at + 1).toBeGreaterThan(lineOf(r.text, 'host\treplication\tall\t127.0.0.1/32\tscram-sha-256'));
    // …and the server now lets the standby in with it.
    expect(replicationAccess(r.text, 'replicator', '10.0.0.5')).toMatchObject({
      allowed: true,
      rule: { line: at + 1, address: '10.0.0.5/32', method: 'scram-sha-256' },
    });
    expect(r.text.endsWith('\n')).toBe(true);
  });

  it('on the Debian 10 default with md5: the same, and a second run changes nothing', () => {
    const line = 'host replication replicator 10.0.0.6/32 md5';
    const first = withHbaLine(DEBIAN_10, line, COMMENT, 'replicator', '10.0.0.6');
    expect(first.changed).toBe(true);
    expect(replicationAccess(first.text, 'replicator', '10.0.0.6').allowed).toBe(true);
    const second = withHbaLine(first.text, line, COMMENT, 'replicator', '10.0.0.6');
    expect(second).toEqual({ text: first.text, changed: false });
  });

  it('goes directly above a reject line the standby would meet first', () => {
    const text = [
      '# TYPE DATABASE USER ADDRESS METHOD',
      'local all all peer',
      'host all all 0.0.0.0/0 scram-sha-256',
      'host replication all 10.0.0.0/8 reject',
      'host replication all 0.0.0.0/0 scram-sha-256',
      '',
    ].join('\n');
    const r = withHbaLine(text, LINE, COMMENT, 'replicator', '10.0.0.5');
    expect(r.text).toBe(
      [
        '# TYPE DATABASE USER ADDRESS METHOD',
        'local all all peer',
        'host all all 0.0.0.0/0 scram-sha-256',
        `# ${COMMENT}`,
        LINE,
        'host replication all 10.0.0.0/8 reject',
        'host replication all 0.0.0.0/0 scram-sha-256',
        '',
      ].join('\n'),
    );
    expect(replicationAccess(r.text, 'replicator', '10.0.0.5')).toMatchObject({
      allowed: true,
      rule: { line: 5 },
    });
  });

  it('is appended at the end when no rule concerns the connection, with a final newline', () => {
    const text = 'local all all peer\nhost all all 127.0.0.1/32 md5\n';
    expect(withHbaLine(text, LINE, COMMENT, 'replicator', '10.0.0.5')).toEqual({
      text: `local all all peer\nhost all all 127.0.0.1/32 md5\n# ${COMMENT}\n${LINE}\n`,
      changed: true,
    });
    // A file without a final newline keeps its last line whole.
    expect(withHbaLine('local all all peer', LINE, COMMENT, 'replicator', '10.0.0.5').text).toBe(
      `local all all peer\n# ${COMMENT}\n${LINE}\n`,
    );
    expect(withHbaLine('', LINE, COMMENT, 'replicator', '10.0.0.5').text).toBe(`# ${COMMENT}\n${LINE}\n`);
  });

  it('leaves the file byte for byte when the exact rule is there, whatever its spacing or comment', () => {
    for (const existing of [
      LINE,
      'host    replication     replicator      10.0.0.5/32     scram-sha-256',
      'host\treplication\treplicator\t10.0.0.5/32\tscram-sha-256   # added by hand',
    ]) {
      const text = `local all all peer\n${existing}\r\nhost all all 0.0.0.0/0 md5`;
      expect(withHbaLine(text, LINE, COMMENT, 'replicator', '10.0.0.5')).toEqual({ text, changed: false });
    }
  });

  it('a similar rule with another method or address is not the exact line: the new one is added before it', () => {
    const text = 'host replication replicator 10.0.0.5/32 md5\n';
    const r = withHbaLine(text, LINE, COMMENT, 'replicator', '10.0.0.5');
    expect(r).toEqual({ text: `# ${COMMENT}\n${LINE}\n${text}`, changed: true });
  });
});
