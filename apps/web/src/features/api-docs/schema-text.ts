/** A JSON Schema node as the OpenAPI document holds it (2020-12, written by zod). */
type Node = Readonly<Record<string, unknown>>;

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

function range(min: unknown, max: unknown, unit = ''): string {
  const lo = typeof min === 'number' ? min : null;
  const hi = typeof max === 'number' && max < Number.MAX_SAFE_INTEGER ? max : null;
  if (lo === null && hi === null) return '';
  if (lo !== null && hi !== null) return ` ${lo}–${hi}${unit}`;
  return lo !== null ? ` ≥ ${lo}${unit}` : ` ≤ ${hi}${unit}`;
}

function scalar(s: Node, type: string): string {
  if (type === 'string') {
    const len = range(s.minLength, s.maxLength, ' chars');
    const format = typeof s.format === 'string' ? ` (${s.format})` : '';
    return `string${format}${len}`;
  }
  if (type === 'integer' || type === 'number') return `${type}${range(s.minimum, s.maximum)}`;
  return type;
}

function body(s: Node, indent: string): string {
  if (typeof s.$ref === 'string') return s.$ref.split('/').pop() ?? s.$ref;
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const union = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : null;
  if (union) return union.map((u) => schemaText(u, indent)).join(' | ');
  const type = Array.isArray(s.type) ? s.type.join(' | ') : s.type;
  if (type === 'array') {
    const item = schemaText(s.items, indent);
    return `${item.includes(' | ') ? `(${item})` : item}[]`;
  }
  if (type === 'object' || isNode(s.properties)) {
    const props = isNode(s.properties) ? Object.entries(s.properties) : [];
    if (props.length === 0) {
      return isNode(s.additionalProperties)
        ? `{ [key: string]: ${schemaText(s.additionalProperties, indent)} }`
        : '{ … }';
    }
    const required = new Set(Array.isArray(s.required) ? s.required : []);
    const inner = `${indent}  `;
    const lines = props.map(
      ([name, p]) => `${inner}${name}${required.has(name) ? '' : '?'}: ${schemaText(p, inner)}`,
    );
    return `{\n${lines.join('\n')}\n${indent}}`;
  }
  return typeof type === 'string' ? scalar(s, type) : 'any';
}

/**
 * A schema as a TypeScript-like text a reader can scan (one field a line, nested objects indented),
 * `?` for an optional field, defaults after `=`.
 */
export function schemaText(schema: unknown, indent = ''): string {
  if (!isNode(schema)) return 'any';
  const text = body(schema, indent);
  return 'default' in schema ? `${text} = ${JSON.stringify(schema.default)}` : text;
}
