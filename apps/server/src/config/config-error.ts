/** One problem in the configuration file, located so a user can jump straight to it. */
export interface ConfigProblem {
  line: number | null;
  column: number | null;
  /** Dotted path of the field, e.g. "clusters[0].nodes[1].ssh.hostKey". */
  field: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(formatProblems(file, problems));
    this.name = 'ConfigError';
  }
}

function formatProblems(file: string, problems: ConfigProblem[]): string {
  const lines = problems.map((p) => {
    const where = p.line === null ? file : `${file}:${p.line}${p.column === null ? '' : `:${p.column}`}`;
    return `  ${where}  ${p.field || '(top level)'}: ${p.message}`;
  });
  return `${file} is not valid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

/** Renders a path like ['clusters', 0, 'nodes', 1, 'ssh'] as "clusters[0].nodes[1].ssh". */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}
