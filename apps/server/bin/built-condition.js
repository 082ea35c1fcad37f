// Resolve hook (node:module register) for bin/walboard.js: every import also matches the
// "walboard-built" export condition, which @walboard/shared maps to its compiled JavaScript.
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'walboard-built'] });
}
