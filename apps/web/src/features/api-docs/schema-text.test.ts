import { describe, expect, it } from 'vitest';
import { schemaText } from './schema-text.ts';

describe('schemaText', () => {
  it('writes objects with optional fields, unions, arrays, ranges and defaults', () => {
    const text = schemaText({
      type: 'object',
      properties: {
        username: { type: 'string', minLength: 1, maxLength: 63 },
        role: { type: 'string', enum: ['viewer', 'admin'] },
        clusters: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }] },
        limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
        id: { type: 'string', format: 'uuid' },
      },
      required: ['username', 'role'],
    });
    expect(text).toBe(
      [
        '{',
        '  username: string 1–63 chars',
        '  role: "viewer" | "admin"',
        '  clusters?: string[] | null',
        '  limit?: integer 1–500 = 50',
        '  id?: string (uuid)',
        '}',
      ].join('\n'),
    );
  });

  it('names references, indents nested objects, and says "any" for what it cannot read', () => {
    expect(schemaText({ $ref: '#/components/schemas/ErrorBody' })).toBe('ErrorBody');
    expect(schemaText({ type: 'array', items: { anyOf: [{ const: 'a' }, { const: 1 }] } })).toBe(
      '("a" | 1)[]',
    );
    expect(
      schemaText({
        type: 'object',
        properties: { a: { type: 'object', properties: { b: { type: 'boolean' } }, required: ['b'] } },
      }),
    ).toBe('{\n  a?: {\n    b: boolean\n  }\n}');
    expect(schemaText({ type: 'object', additionalProperties: {} })).toBe('{ [key: string]: any }');
    expect(schemaText(undefined)).toBe('any');
    expect(schemaText({ type: 'integer', minimum: 1, maximum: 9007199254740991 })).toBe('integer ≥ 1');
  });
});
