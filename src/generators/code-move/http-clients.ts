/**
 * Typed HTTP clients for calls into another context: a function of context X is served by one of X's GET routes
 * when that route's handler answers with the function's result (`res.json(await f(intParam(req, 'id')))`), every
 * argument coming from a path parameter. The moved call then goes to that route (of the monolith, or of X's
 * service once strangler.yaml gives its url) through a generated client with the function's name and parameters.
 */
import type { Node } from 'ts-morph';
import type { MoveScope } from './move-scope.ts';
import type { FileIndex } from './source-index.ts';

export interface ClientFunction {
  /** The name the moved code calls. */
  name: string;
  method: string;
  path: string;
  /** The function's parameters, in order, each filling one path parameter. */
  params: { name: string; type: string; pathParam: string }[];
  returnType: string;
  /** Line of the function in the monolith. */
  line: number;
  envName: string;
  url?: string;
}

const PRIMITIVE_TYPE = /^(number|string|boolean|bigint)$/;

/** The path parameter an argument reads: `intParam(req, 'id')`, `req.params.id`, `Number(req.params['id'])`. */
function pathParamOf(scope: MoveScope, arg: Node): string | undefined {
  const { Node: N } = scope.morph;
  if (N.isPropertyAccessExpression(arg) && /\.params$/.test(arg.getExpression().getText())) return arg.getName();
  if (N.isElementAccessExpression(arg) && /\.params$/.test(arg.getExpression().getText())) {
    const key = arg.getArgumentExpression();
    return key && N.isStringLiteral(key) ? key.getLiteralText() : undefined;
  }
  if (N.isCallExpression(arg)) {
    const args = arg.getArguments();
    if (args.length === 1) return pathParamOf(scope, args[0]!);
    const literal = args.find((a) => N.isStringLiteral(a));
    if (literal && args.some((a) => /^req(uest)?$/.test(a.getText()))) return (literal as unknown as { getLiteralText(): string }).getLiteralText();
  }
  return undefined;
}

/** The function given as the last argument of the route registration on `line`. */
function inlineHandler(scope: MoveScope, file: FileIndex | undefined, line: number): Node | undefined {
  const { Node: N } = scope.morph;
  for (const call of file?.source.getDescendantsOfKind(scope.morph.SyntaxKind.CallExpression) ?? []) {
    if (call.getStartLineNumber() !== line) continue;
    const last = call.getArguments().at(-1);
    if (last && (N.isArrowFunction(last) || N.isFunctionExpression(last))) return last;
  }
  return undefined;
}

/** Whether `callee` (in the handler's file) names `local` of `target`. */
function namesFunction(scope: MoveScope, handlerFile: FileIndex, callee: Node, target: FileIndex, local: string): boolean {
  const { Node: N } = scope.morph;
  if (N.isIdentifier(callee)) {
    const name = callee.getText();
    if (handlerFile.file === target.file) return name === local;
    const b = handlerFile.imports.get(name);
    if (!b?.file || b.imported === '*') return false;
    const declared = scope.index.declaring(b.file, b.imported);
    return declared?.index.file === target.file && declared.local === local;
  }
  if (N.isPropertyAccessExpression(callee) && N.isIdentifier(callee.getExpression())) {
    const b = handlerFile.imports.get(callee.getExpression().getText());
    return b?.imported === '*' && b.file === target.file && callee.getName() === local;
  }
  return false;
}

/** The GET route of `owner` that answers with `local`'s result for the call at `id`, if there is one. */
export function servingRoute(scope: MoveScope, target: FileIndex, local: string, id: Node, owner: string): Omit<ClientFunction, 'name'> & { name: string } | undefined {
  const { Node: N } = scope.morph;
  const call = id.getParent();
  if (!call || !N.isCallExpression(call) || call.getExpression() !== id) return undefined;
  const declaration = target.declarations.get(local)?.[0];
  if (!declaration) return undefined;
  const fn = N.isFunctionDeclaration(declaration) ? declaration : N.isVariableStatement(declaration) ? declaration.getDeclarations()[0]?.getInitializer() : undefined;
  if (!fn || !(N.isFunctionDeclaration(fn) || N.isArrowFunction(fn) || N.isFunctionExpression(fn))) return undefined;
  const parameters = fn.getParameters();
  // only the routes whose handler calls this function (the code model's calls, resolved through re-exports)
  const key = `${target.file}#${local}`;
  for (const r of scope.routesOf(owner).filter((x) => scope.functions.get(x.handler)?.calls.includes(key))) {
    const [method, path] = r.route.split(/\s+/, 2) as [string, string];
    if (method !== 'GET' || !path) continue;
    const hash = r.handler.indexOf('#');
    const inline = /[\s@]/.test(r.handler.slice(hash + 1));
    const handlerFile = scope.index.get(inline ? r.at.file : r.handler.slice(0, hash));
    const handler = inline ? inlineHandler(scope, handlerFile, r.at.line) : handlerFile?.declarations.get(r.handler.slice(hash + 1))?.[0];
    if (!handlerFile || !handler) continue;
    const pathParams = [...path.matchAll(/:([A-Za-z_]\w*)/g)].map((m) => m[1]!);
    for (const answer of handler.getDescendantsOfKind(scope.morph.SyntaxKind.CallExpression)) {
      const callee = answer.getExpression();
      if (!N.isPropertyAccessExpression(callee) || !['json', 'send'].includes(callee.getName())) continue;
      let inner = answer.getArguments()[0];
      if (inner && N.isAwaitExpression(inner)) inner = inner.getExpression();
      if (!inner || !N.isCallExpression(inner) || !namesFunction(scope, handlerFile, inner.getExpression(), target, local)) continue;
      const args = inner.getArguments().map((a) => pathParamOf(scope, a));
      if (args.some((a) => a === undefined || !pathParams.includes(a)) || args.length !== call.getArguments().length || args.length > parameters.length) continue;
      const params = args.map((p, i) => {
        const type = parameters[i]!.getTypeNode()?.getText() ?? '';
        return { name: parameters[i]!.getName().replace(/\W/g, '') || `p${i}`, type: PRIMITIVE_TYPE.test(type) ? type : 'string | number', pathParam: p! };
      });
      const base = scope.baseUrlOf(owner);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return { name: local, method, path, params, returnType: 'Promise<any>', line: declaration.getStartLineNumber(), envName: base.envName, url: base.url };
    }
  }
  return undefined;
}

/** The client module of one context: one function per served call, each a GET of its route. */
export function renderClients(context: string, functions: ClientFunction[]): string {
  const env = functions[0]!.envName;
  const url = functions[0]!.url;
  const lines = [
    `// Typed HTTP clients of the routes that serve ${context}'s data to this service (generated by strangler extract).`,
    `// Each replaces a direct call into ${context}'s code; ${env} overrides where they answer${url ? ` (default ${url})` : ''}.`,
    "import { injectTraceHeaders } from '../../tracing.js';",
    '',
    'function baseUrl(): string {',
    `  const url = process.env.${env}${url ? ` ?? ${JSON.stringify(url)}` : ''};`,
    `  if (!url) throw new Error('${env} is not set: export ${env}=http://host:port (where ${context}\\'s routes answer)');`,
    "  return url.replace(/\\/$/, '');",
    '}',
    '',
    'async function getJson(path: string): Promise<any> {',
    "  const res = await fetch(`${baseUrl()}${path}`, { headers: injectTraceHeaders({ accept: 'application/json' }) });",
    '  if (res.status === 404) return undefined;',
    '  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);',
    '  return res.json();',
    '}',
  ];
  for (const f of functions) {
    const url = f.path.replace(/:([A-Za-z_]\w*)\??/g, (_, p: string) => `\${encodeURIComponent(String(${f.params.find((x) => x.pathParam === p)?.name ?? "''"}))}`);
    lines.push('', `/** ${f.method} ${f.path} of ${context} (was a direct call of its ${f.name}). */`);
    lines.push(`export async function ${f.name}(${f.params.map((p) => `${p.name}: ${p.type}`).join(', ')}): ${f.returnType} {`, `  return getJson(\`${url}\`);`, '}');
  }
  return `${lines.join('\n')}\n`;
}
