// Module resolution hooks for a checkout of the repository: adds the `strangler-source` export condition, under
// which package.json's exports point at the TypeScript in src/ instead of the compiled dist/.
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('strangler-source') ? context.conditions : [...context.conditions, 'strangler-source'];
  return nextResolve(specifier, { ...context, conditions });
}
