import { describe, expect, it } from 'vitest';
import { buildConninfo, parseConninfo, quoteConninfoValue } from './conninfo.ts';
import { parseConfigFile, quoteConfigValue, setConfigValues } from './settings-file.ts';

describe('conninfo quoting (libpq rules)', () => {
  it("single-quotes every value and backslash-escapes \\ and '", () => {
    expect(quoteConninfoValue('db1')).toBe("'db1'");
    expect(quoteConninfoValue("o'b")).toBe("'o\\'b'");
    expect(quoteConninfoValue('a\\b')).toBe("'a\\\\b'");
    expect(quoteConninfoValue('x password=evil')).toBe("'x password=evil'");
  });

  it('refuses NUL and newlines', () => {
    expect(() => quoteConninfoValue('a\nb')).toThrow(/newline/);
    expect(() => quoteConninfoValue('a\0b')).toThrow(/NUL/);
  });

  it('builds key=value pairs in order and parses back to the same values, whatever they hold', () => {
    const hostile = "h' password='x\\' sslmode=disable";
    const s = buildConninfo([
      ['host', hostile],
      ['port', 5432],
      ['user', 'rep'],
      ['application_name', undefined],
    ]);
    expect(s).toBe("host='h\\' password=\\'x\\\\\\' sslmode=disable' port='5432' user='rep'");
    const back = parseConninfo(s);
    expect([...back.keys()]).toEqual(['host', 'port', 'user']);
    expect(back.get('host')).toBe(hostile);
  });

  it('survives the second escaping into a config file exactly', () => {
    const conninfo = buildConninfo([
      ['host', '10.0.0.1'],
      ['user', "o'b\\"],
      ['application_name', 'standby1'],
    ]);
    const line = `primary_conninfo = ${quoteConfigValue(conninfo)}`;
    expect(line).toBe(
      "primary_conninfo = 'host=''10.0.0.1'' user=''o\\\\''b\\\\\\\\'' application_name=''standby1'''",
    );
    const parsed = parseConfigFile(setConfigValues('', { primary_conninfo: conninfo }));
    expect(parsed.errors).toEqual([]);
    expect(parsed.entries[0]?.value).toBe(conninfo);
    expect(parseConninfo(parsed.entries[0]?.value ?? '').get('user')).toBe("o'b\\");
  });
});
