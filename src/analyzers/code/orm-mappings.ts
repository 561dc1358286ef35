/**
 * ORM entity-to-table mappings and the calls that use them, from syntax alone (no type checker):
 * - TypeORM: `@Entity` / `@ViewEntity` / `@ChildEntity` classes; repositories (`getRepository(Order)`,
 *   `@InjectRepository(Order)`, `Repository<Order>`), entity managers (`manager.find(Order, …)`), query builders
 *   (`.from(Order)`, `.into(Order)`) and active record (`Order.find()` when the class extends `BaseEntity`);
 * - Sequelize: `sequelize.define('User', …)`, `User.init(…, { sequelize })`, sequelize-typescript `@Table`, and
 *   their static methods (`User.findAll()`, `sequelize.models.User.create()`, Nest's `@InjectModel(User)`);
 * - Prisma: `model Order { … @@map("orders") }` in `.prisma` files, used as `prisma.order.findMany()`.
 *
 * An entity is often declared in one file and used in another, so this runs in two steps: while the scanner
 * walks each file's syntax tree once, `ormCollector` notes declarations and candidate uses (small records, no
 * nodes kept); when every file is walked, `resolveOrmAccess` maps the uses to tables.
 */
import ts from 'typescript';

/** Read once: every `ts.X` is a getter, too slow to call for each node of a large tree. */
const { SyntaxKind } = ts;

export type OrmVia = 'typeorm' | 'sequelize' | 'prisma' | 'objection';
type Mode = 'read' | 'write';

export interface OrmAccess {
  file: string;
  line: number;
  /** Position of the call in the file (for the function it is in). */
  pos: number;
  table: string;
  mode: Mode;
  via: OrmVia;
}

// ---------------------------------------------------------------- methods

const TYPEORM_METHODS = modes(
  ['find', 'findBy', 'findOne', 'findOneBy', 'findOneOrFail', 'findOneByOrFail', 'findAndCount', 'findAndCountBy', 'findByIds', 'count', 'countBy', 'exist', 'exists', 'existsBy', 'sum', 'average', 'minimum', 'maximum', 'preload', 'createQueryBuilder', 'query'],
  ['save', 'insert', 'update', 'updateAll', 'upsert', 'delete', 'deleteAll', 'remove', 'softDelete', 'softRemove', 'restore', 'recover', 'increment', 'decrement', 'clear'],
);
/** Query-builder steps that name an entity class: `.from(Order, 'o')`, `.into(Order)`, `.leftJoin(Item, 'i', …)`. */
const TYPEORM_BUILDER_METHODS = modes(['from', 'join', 'innerJoin', 'leftJoin', 'innerJoinAndSelect', 'leftJoinAndSelect'], ['into']);
/** What follows `createQueryBuilder()` (or precedes `.from()`) in a chain that writes. */
const TYPEORM_BUILDER_WRITES = new Set(['insert', 'update', 'delete', 'softDelete', 'restore']);
const SEQUELIZE_METHODS = modes(
  ['findAll', 'findOne', 'findByPk', 'findAndCountAll', 'count', 'max', 'min', 'sum', 'aggregate'],
  ['create', 'bulkCreate', 'update', 'destroy', 'upsert', 'increment', 'decrement', 'truncate', 'findOrCreate', 'restore'],
);
const PRISMA_METHODS = modes(
  ['findMany', 'findFirst', 'findFirstOrThrow', 'findUnique', 'findUniqueOrThrow', 'count', 'aggregate', 'groupBy'],
  ['create', 'createMany', 'createManyAndReturn', 'update', 'updateMany', 'updateManyAndReturn', 'upsert', 'delete', 'deleteMany'],
);
/** Objection: `User.query()` starts a query; what the chain calls next says whether it writes. */
const OBJECTION_METHODS = modes(['query', 'relatedQuery'], []);
const OBJECTION_WRITES = new Set(['insert', 'insertAndFetch', 'insertGraph', 'insertGraphAndFetch', 'upsertGraph', 'upsertGraphAndFetch', 'patch', 'patchAndFetch', 'patchAndFetchById', 'update', 'updateAndFetch', 'updateAndFetchById', 'delete', 'deleteById', 'relate', 'unrelate']);
/** Methods called on a repository, a model class or a client delegate. */
const ORM_RECEIVER_METHODS = new Set([...TYPEORM_METHODS.keys(), ...SEQUELIZE_METHODS.keys(), ...PRISMA_METHODS.keys(), ...OBJECTION_METHODS.keys()]);
const ORM_METHODS = new Set([...ORM_RECEIVER_METHODS, ...TYPEORM_BUILDER_METHODS.keys()]);
const REPOSITORY_GETTERS = new Set(['getRepository', 'getTreeRepository', 'getMongoRepository', 'getCustomRepository']);
const REPOSITORY_TYPES = new Set(['Repository', 'TreeRepository', 'MongoRepository']);
/** `sequelize.models.User`, `db.User` (the sequelize-cli `models/index.js` object). */
const MODEL_OWNERS = /^(models|db)$/i;
const SEQUELIZE_HANDLE = /sequelize|^(db|database|connection|conn|orm)$/i;

function modes(read: string[], write: string[]): Map<string, Mode> {
  return new Map([...read.map((m) => [m, 'read'] as const), ...write.map((m) => [m, 'write'] as const)]);
}

// ---------------------------------------------------------------- naming

/** TypeORM's DefaultNamingStrategy: `OrderItem` -> `order_item`, `HTTPLog` -> `http_log`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([A-Z])([A-Z])([a-z])/g, '$1_$2$3')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * English plural as Sequelize makes table names (its `inflection` rules, the common ones): `Category` ->
 * `Categories`, `Address` -> `Addresses`, `Box` -> `Boxes`, `Day` -> `Days`; a name already ending in a single
 * `s` (`users`) stays as it is.
 */
export function pluralize(word: string): string {
  if (/[^aeiou]y$/i.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(ss|x|ch|sh|alias|status)$/i.test(word)) return `${word}es`;
  if (/s$/i.test(word)) return word;
  return `${word}s`;
}

export interface SequelizeOptions {
  tableName?: string;
  modelName?: string;
  freezeTableName?: boolean;
  underscored?: boolean;
  schema?: string;
}

/** Sequelize's table for a model: `tableName`, else the model name (pluralized unless `freezeTableName`). */
export function sequelizeTableName(modelName: string, options: SequelizeOptions = {}): string {
  if (options.tableName) return qualify(options.tableName, options.schema);
  if (options.freezeTableName) return qualify(modelName, options.schema);
  const plural = pluralize(modelName);
  return qualify(options.underscored ? snakeCase(plural) : plural, options.schema);
}

/** The Prisma client's delegate for a model: `OrderItem` -> `orderItem`. */
export function prismaDelegate(model: string): string {
  return model.charAt(0).toLowerCase() + model.slice(1);
}

/** A table as the rest of the analysis names it: lower case, `schema.table` outside `public`. */
function qualify(name: string, schema?: string): string {
  const table = name.replace(/"/g, '').toLowerCase();
  const s = schema?.replace(/"/g, '').toLowerCase();
  if (s && s !== 'public' && !table.includes('.')) return `${s}.${table}`;
  return table.startsWith('public.') ? table.slice(7) : table;
}

// ---------------------------------------------------------------- Prisma schema

export interface PrismaModel {
  model: string;
  table: string;
  file: string;
  line: number;
  /** List fields (`tags Tag[] @relation("ArticleTags")`): the relation name is undefined when not given. */
  lists?: { field: string; target: string; relation: string | undefined }[];
}

const PRISMA_BLOCK = /^[ \t]*(model|view)[ \t]+(\w+)[ \t]*\{([^]*?)^[ \t]*\}/gm;
const PRISMA_MAP = /^@@map\(\s*(?:name\s*:\s*)?"([^"]*)"/;
const PRISMA_SCHEMA = /^@@schema\(\s*"([^"]*)"/;
const PRISMA_LIST_FIELD = /^(\w+)\s+(\w+)\[\](.*)$/;
const PRISMA_RELATION_NAME = /@relation\(\s*(?:name\s*:\s*)?"([^"]*)"/;

/** `model Order { … @@map("orders") @@schema("sales") }` -> Order: sales.orders; without `@@map`, the model name. */
export function parsePrismaSchema(text: string, file: string): PrismaModel[] {
  const models: PrismaModel[] = [];
  for (const m of text.matchAll(PRISMA_BLOCK)) {
    let table: string | undefined;
    let schema: string | undefined;
    const lists: NonNullable<PrismaModel['lists']> = [];
    for (const raw of m[3]!.split('\n')) {
      const line = raw.trim();
      table ??= PRISMA_MAP.exec(line)?.[1];
      schema ??= PRISMA_SCHEMA.exec(line)?.[1];
      const list = PRISMA_LIST_FIELD.exec(line);
      if (list) lists.push({ field: list[1]!, target: list[2]!, relation: PRISMA_RELATION_NAME.exec(list[3]!)?.[1] });
    }
    const lineNo = text.slice(0, m.index).split('\n').length;
    models.push({ model: m[2]!, table: qualify(table ?? m[2]!, schema), file, line: lineNo, ...(lists.length > 0 ? { lists } : {}) });
  }
  return models;
}

/**
 * Prisma's implicit many-to-many tables: list fields on both sides of one relation (`tags Tag[]` on Article,
 * `articles Article[]` on Tag) make `_ArticleToTag` (the two models in alphabetical order), or `_<name>` for
 * `@relation("name")`. A relation through an explicit model has a list on one side only, so it makes none.
 */
export function prismaJoinTables(models: readonly PrismaModel[]): PrismaModel[] {
  const out = new Map<string, PrismaModel>();
  for (const a of models) {
    for (const list of a.lists ?? []) {
      const back = models.find((b) => b.model === list.target && (b.lists ?? []).some((l) => l.target === a.model && l.relation === list.relation && (b !== a || l !== list)));
      if (!back) continue;
      const name = list.relation ?? `${[a.model, back.model].sort().join('To')}`;
      if (!out.has(name)) out.set(name, { model: `_${name}`, table: qualify(`_${name}`), file: a.file, line: a.line });
    }
  }
  return [...out.values()];
}

// ---------------------------------------------------------------- collecting, one file at a time

interface EntityDecl {
  name: string;
  /** A custom repository class (`@EntityRepository(User)`, `extends Repository<User>`): its entity's table, not one of its own. */
  repository?: true;
  /** Undefined for a `@ChildEntity` (its parent's table: single-table inheritance). */
  table?: string;
  file: string;
  line?: number;
}

interface ModelDecl {
  /** The name code uses for it: the class, or the variable `define` is assigned to. */
  name?: string;
  modelName: string;
  options: SequelizeOptions;
  file: string;
  line?: number;
  /** An Objection model (`static tableName = 'users'`) rather than a Sequelize one. */
  orm?: 'objection';
  /** Made by `belongsToMany(X, { through: 'name' })`: a table of that very name, unless a model has the name. */
  through?: true;
}

/** A name bound to a repository or a model class: `const repo = getRepository(Order)`, `this.repo`. */
interface Binding {
  name: string;
  /** `this.name` (a class member) rather than a variable. */
  self: boolean;
  /** The entity or model class. */
  target: string;
  start: number;
  end: number;
  /** Declared at the top of the module, so other modules can import it. */
  top: boolean;
}

type Receiver =
  | { kind: 'repository'; entity: string }
  | { kind: 'name'; name: string }
  | { kind: 'this'; name: string }
  | { kind: 'member'; owner: string; name: string };

interface Use {
  receiver?: Receiver;
  method: string;
  /** A class passed first: `manager.find(Order)`, `.from(Order, 'o')`. */
  entityArg?: string;
  /** A query builder chain that writes. */
  writes?: boolean;
  /** A relation join (`leftJoin('p.variants', 'v')`): the table is the related entity's. */
  relation?: RelationJoin;
  line: number;
  pos: number;
}

/** `repo.createQueryBuilder('p').leftJoin('p.variants', 'v').leftJoin('v.prices', 'pr')`, read from the syntax. */
interface RelationJoin {
  /** What the chain starts on: a repository/manager receiver, or an entity passed (`.from(Order, 'o')`). */
  root?: Receiver;
  rootEntity?: string;
  rootAlias: string;
  /** Earlier joins of the chain, in order: [`alias.relation`, new alias]. */
  joins: [string, string][];
  /** The joined `alias.relation`. */
  path: string;
}

/** A TypeORM relation property: `@ManyToOne(() => Product) product`. */
interface RelationDecl {
  entity: string;
  property: string;
  target: string;
  /** `@JoinTable()` on it (or a MikroORM owning `@ManyToMany`): the explicit name, or '' for the default name. */
  joinTable?: string;
  /** Whose default join-table name applies: TypeORM's unless said. */
  naming?: 'mikro-orm';
  line: number;
}

export interface OrmFileFacts {
  file: string;
  entities: EntityDecl[];
  models: ModelDecl[];
  /** Class -> the class it extends. */
  parents: [string, string][];
  bindings: Binding[];
  uses: Use[];
  relations: RelationDecl[];
  /** `new Sequelize(…, { define: {…} })`: defaults for every model. */
  sequelizeDefaults?: SequelizeOptions;
  /** Imported name (after `as` aliases are undone) -> the module it comes from. */
  importedFrom: Map<string, string>;
}

export interface OrmCollector {
  /** Call for every node the scanner visits. */
  visit(node: ts.Node): void;
  /** The file's facts, or undefined when it has nothing ORM-like. `imports`: local name -> module. */
  finish(imports: ReadonlyMap<string, string>): OrmFileFacts | undefined;
}

export function ormCollector(sf: ts.SourceFile, file: string, prismaDelegates: ReadonlySet<string>): OrmCollector {
  const facts: OrmFileFacts = { file, entities: [], models: [], parents: [], bindings: [], uses: [], relations: [], importedFrom: new Map() };
  /** Local name -> imported name, for `import { Order as O }`. */
  const aliases = new Map<string, string>();
  const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const bind = (name: string, self: boolean, target: string | undefined, scope: ts.Node): void => {
    if (target) facts.bindings.push({ name, self, target, start: scope.pos, end: scope.end, top: !self && ts.isSourceFile(scope) });
  };

  const customRepositories = new Set<ts.ClassLikeDeclaration>();
  const visitClass = (node: ts.ClassLikeDeclaration) => {
    const name = node.name?.text;
    if (!name) return;
    const parent = extendsName(node);
    const repositoryOf = customRepositoryEntity(node);
    if (repositoryOf) {
      // Resolved as a @ChildEntity is: through the class it stands for.
      facts.entities.push({ name, file, repository: true });
      facts.parents.push([name, repositoryOf]);
      customRepositories.add(node);
      return;
    }
    if (parent) facts.parents.push([name, parent]);
    const objectionTable = parent ? staticTableName(node) : undefined;
    if (objectionTable) facts.models.push({ name, modelName: name, options: { tableName: objectionTable }, file, line: lineOf(node), orm: 'objection' });
    for (const d of decoratorsOf(node)) {
      if (d.name === 'Entity' || d.name === 'ViewEntity') {
        facts.entities.push({ name, table: typeormTable(name, d.args), file, line: lineOf(node) });
        visitRelations(node, name);
      }
      else if (d.name === 'ChildEntity') facts.entities.push({ name, file });
      else if (d.name === 'Table' && (parent === 'Model' || (parent !== undefined && (d.args.length === 0 || (d.args[0] !== undefined && ts.isObjectLiteralExpression(d.args[0])))))) {
        const options = d.args[0] && ts.isObjectLiteralExpression(d.args[0]) ? sequelizeOptions(d.args[0]) : {};
        facts.models.push({ name, modelName: options.modelName ?? name, options, file, line: lineOf(node) });
      }
    }
  };

  const mikro = sf.text.includes('@mikro-orm/');
  /**
   * MikroORM: the owning side of `@ManyToMany(() => Tag)` (no mappedBy; `{ owner: true }` or `inversedBy`) has a
   * pivot table, `pivotTable` or `<owner table>_<property>`; `@ManyToMany(() => Book, (b) => b.tags)` is inverse.
   */
  const mikroPivot = (rel: { name: string; args: readonly ts.Expression[] }): string | undefined => {
    if (!mikro || rel.name !== 'ManyToMany') return undefined;
    const options = rel.args.find(ts.isObjectLiteralExpression);
    if (options && (propertyOf(options, 'mappedBy') || (!propertyOf(options, 'owner') && !propertyOf(options, 'inversedBy') && rel.args.length > 1 && !ts.isObjectLiteralExpression(rel.args[1]!)))) return undefined;
    if (!options && rel.args.length > 1) return undefined;
    return (options && stringOf(options, 'pivotTable')) ?? '';
  };

  const visitRelations = (node: ts.ClassLikeDeclaration, entity: string) => {
    for (const member of node.members) {
      if (!ts.isPropertyDeclaration(member) || !ts.isIdentifier(member.name)) continue;
      const decorators = decoratorsOf(member);
      const rel = decorators.find((d) => RELATION_DECORATORS.has(d.name));
      const target = rel && relationTarget(rel.args[0]);
      if (!target) continue;
      const join = decorators.find((d) => d.name === 'JoinTable');
      const options = join?.args[0] && ts.isObjectLiteralExpression(join.args[0]) ? join.args[0] : undefined;
      const joinTable = join ? ((options && stringOf(options, 'name')) ?? '') : mikroPivot(rel);
      facts.relations.push({ entity, property: member.name.text, target, joinTable, ...(join || joinTable === undefined ? {} : { naming: 'mikro-orm' as const }), line: lineOf(member) });
    }
  };

  const visitVariable = (node: ts.VariableDeclaration) => {
    const target = ts.isIdentifier(node.name) && node.initializer ? repositoryEntity(unwrap(node.initializer)) : undefined;
    if (target) bind((node.name as ts.Identifier).text, false, target, scopeOf(node));
  };

  /** `@InjectRepository(Order) private repo: Repository<Order>` as a class property or constructor parameter. */
  const visitMember = (node: ts.PropertyDeclaration | ts.ParameterDeclaration) => {
    // Most parameters have no decorator, no `Repository<…>` type and no default: skip them cheaply.
    if (!node.modifiers && !node.initializer && node.type?.kind !== SyntaxKind.TypeReference) return;
    if (!ts.isIdentifier(node.name)) return;
    const target = injectedClass(node) ?? (node.initializer ? repositoryEntity(unwrap(node.initializer)) : undefined);
    if (ts.isPropertyDeclaration(node)) return bind(node.name.text, true, target, node.parent);
    bind(node.name.text, false, target, node.parent);
    if (ts.isParameterPropertyDeclaration(node, node.parent)) bind(node.name.text, true, target, node.parent.parent);
  };

  /** `this.repo = dataSource.getRepository(Order)`. */
  const visitAssignment = (node: ts.BinaryExpression) => {
    if (node.operatorToken.kind !== SyntaxKind.EqualsToken || !ts.isPropertyAccessExpression(node.left) || node.left.expression.kind !== SyntaxKind.ThisKeyword) return;
    const target = repositoryEntity(unwrap(node.right));
    const cls = target ? enclosingClass(node) : undefined;
    if (cls) bind(node.left.name.text, true, target, cls);
  };

  const visitCall = (node: ts.CallExpression) => {
    if (node.expression.kind !== SyntaxKind.PropertyAccessExpression) return;
    const callee = node.expression as ts.PropertyAccessExpression;
    const method = callee.name.text;
    if (method === 'define') return visitDefine(node, callee);
    if (method === 'init') return visitInit(node, callee);
    if (method === 'belongsToMany') return visitBelongsToMany(node);
    if (!ORM_METHODS.has(method)) return;
    const a0 = node.arguments[0];
    if (RELATION_JOINS.has(method) && a0 && ts.isStringLiteralLike(a0) && /^\w+\.\w+$/.test(a0.text)) {
      const relation = relationJoin(callee.expression, a0.text);
      if (relation) facts.uses.push({ method: 'leftJoin', relation, line: lineOf(node), pos: node.pos });
      return;
    }
    const argName = a0 && (ts.isIdentifier(a0) || ts.isPropertyAccessExpression(a0)) ? className(a0) : undefined;
    const entityArg = argName && /^[A-Z]/.test(argName) ? argName : undefined;
    // `.from()` and the joins name a table only through an entity class.
    let receiver = ORM_RECEIVER_METHODS.has(method) ? receiverOf(callee.expression) : undefined;
    if (callee.expression.kind === SyntaxKind.ThisKeyword) {
      const cls = enclosingClass(callee);
      if (cls?.name && customRepositories.has(cls)) receiver = { kind: 'repository', entity: cls.name.text };
    }
    if (receiver?.kind === 'member' && !MODEL_OWNERS.test(receiver.owner) && !prismaDelegates.has(receiver.name)) receiver = undefined;
    if (!receiver && !entityArg) return;
    const writes = method === 'createQueryBuilder' ? chainAfterHas(node, TYPEORM_BUILDER_WRITES) : method === 'from' ? chainBeforeHas(callee.expression, TYPEORM_BUILDER_WRITES) : OBJECTION_METHODS.has(method) ? chainAfterHas(node, OBJECTION_WRITES) : undefined;
    facts.uses.push({ receiver, method, entityArg, writes, line: lineOf(node), pos: node.pos });
  };

  /** `const User = sequelize.define('User', attributes, { tableName: 'users' })`. */
  const visitDefine = (node: ts.CallExpression, callee: ts.PropertyAccessExpression) => {
    const [a0, a1, a2] = node.arguments;
    if (!a0 || !ts.isStringLiteralLike(a0)) return;
    const owner = lastName(callee.expression);
    if (owner === 'customElements' || !((owner && SEQUELIZE_HANDLE.test(owner)) || (a1 && ts.isObjectLiteralExpression(a1)))) return;
    const options = a2 && ts.isObjectLiteralExpression(a2) ? sequelizeOptions(a2) : {};
    const declaration = node.parent;
    const name = ts.isVariableDeclaration(declaration) && ts.isIdentifier(declaration.name) ? declaration.name.text : undefined;
    facts.models.push({ name, modelName: options.modelName ?? a0.text, options, file, line: lineOf(node) });
  };

  /** `Article.belongsToMany(Tag, { through: 'ArticleTag' })`: Sequelize defines `ArticleTag` with that table name. */
  const visitBelongsToMany = (node: ts.CallExpression) => {
    const options = node.arguments[1];
    const through = options && ts.isObjectLiteralExpression(options) ? stringOf(options, 'through') : undefined;
    if (through) facts.models.push({ modelName: through, options: { tableName: through, schema: (options && stringOf(options as ts.ObjectLiteralExpression, 'schema')) }, file, line: lineOf(node), through: true });
  };

  /** `User.init(attributes, { sequelize, tableName: 'users' })`. */
  const visitInit = (node: ts.CallExpression, callee: ts.PropertyAccessExpression) => {
    const options = node.arguments[1];
    if (!ts.isIdentifier(callee.expression) || !options || !ts.isObjectLiteralExpression(options) || !propertyOf(options, 'sequelize')) return;
    const parsed = sequelizeOptions(options);
    facts.models.push({ name: callee.expression.text, modelName: parsed.modelName ?? callee.expression.text, options: parsed, file, line: lineOf(node) });
  };

  /** `new Sequelize(url, { define: { freezeTableName: true } })`. */
  const visitNew = (node: ts.NewExpression) => {
    if (lastName(node.expression) !== 'Sequelize') return;
    for (const arg of node.arguments ?? []) {
      const define = ts.isObjectLiteralExpression(arg) ? propertyOf(arg, 'define') : undefined;
      if (define && ts.isObjectLiteralExpression(define)) facts.sequelizeDefaults = sequelizeOptions(define);
    }
  };

  return {
    visit(node) {
      switch (node.kind) {
        case SyntaxKind.CallExpression:
          return visitCall(node as ts.CallExpression);
        case SyntaxKind.ClassDeclaration:
        case SyntaxKind.ClassExpression:
          return visitClass(node as ts.ClassLikeDeclaration);
        case SyntaxKind.VariableDeclaration:
          return visitVariable(node as ts.VariableDeclaration);
        case SyntaxKind.PropertyDeclaration:
        case SyntaxKind.Parameter:
          return visitMember(node as ts.PropertyDeclaration | ts.ParameterDeclaration);
        case SyntaxKind.BinaryExpression:
          return visitAssignment(node as ts.BinaryExpression);
        case SyntaxKind.NewExpression:
          return visitNew(node as ts.NewExpression);
        case SyntaxKind.ImportSpecifier: {
          const spec = node as ts.ImportSpecifier;
          if (spec.propertyName) aliases.set(spec.name.text, spec.propertyName.text);
          return;
        }
        default:
          return;
      }
    },
    finish(imports) {
      const empty = facts.entities.length + facts.models.length + facts.parents.length + facts.bindings.length + facts.uses.length === 0;
      if (empty && !facts.sequelizeDefaults) return undefined;
      const original = (name: string) => aliases.get(name) ?? name;
      for (const b of facts.bindings) b.target = original(b.target);
      for (const u of facts.uses) {
        if (u.entityArg) u.entityArg = original(u.entityArg);
        if (u.receiver?.kind === 'repository') u.receiver.entity = original(u.receiver.entity);
      }
      // An imported name is resolved under the name it was exported as.
      for (const u of facts.uses) if (u.receiver?.kind === 'name') u.receiver.name = original(u.receiver.name);
      for (const [local, module] of imports) facts.importedFrom.set(original(local), module);
      return facts;
    },
  };
}

// ---------------------------------------------------------------- syntax helpers

const RELATION_DECORATORS = new Set(['OneToOne', 'OneToMany', 'ManyToOne', 'ManyToMany']);
const RELATION_JOINS = new Set(['join', 'innerJoin', 'leftJoin', 'innerJoinAndSelect', 'leftJoinAndSelect']);

/** `() => Product`, `(type) => Product`, `'Product'`. */
function relationTarget(arg: ts.Expression | undefined): string | undefined {
  if (!arg) return undefined;
  if (ts.isStringLiteralLike(arg)) return arg.text;
  if (ts.isArrowFunction(arg) && !ts.isBlock(arg.body)) return className(unwrap(arg.body));
  // MikroORM: `@ManyToMany({ entity: () => Tag, owner: true })`.
  if (ts.isObjectLiteralExpression(arg)) return relationTarget(propertyOf(arg, 'entity'));
  return undefined;
}

/** The chain before a relation join: where it starts (createQueryBuilder / from) and the joins between. */
function relationJoin(chain: ts.Expression, path: string): RelationJoin | undefined {
  const joins: [string, string][] = [];
  for (let e = unwrap(chain); ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression); e = unwrap(e.expression.expression)) {
    const method = e.expression.name.text;
    const [a0, a1] = e.arguments;
    if (RELATION_JOINS.has(method) && a0 && ts.isStringLiteralLike(a0) && a1 && ts.isStringLiteralLike(a1)) joins.unshift([a0.text, a1.text]);
    if (method === 'createQueryBuilder') {
      // repo.createQueryBuilder('p'), or manager/dataSource.createQueryBuilder(Product, 'p')
      if (a0 && ts.isStringLiteralLike(a0)) return { root: receiverOf(e.expression.expression), rootAlias: a0.text, joins, path };
      if (a0 && a1 && ts.isStringLiteralLike(a1)) return { rootEntity: className(a0), rootAlias: a1.text, joins, path };
      return undefined;
    }
    if (method === 'from' && a0 && a1 && ts.isStringLiteralLike(a1) && !ts.isStringLiteralLike(a0)) return { rootEntity: className(a0), rootAlias: a1.text, joins, path };
  }
  return undefined;
}

const WRAPPERS = new Set([SyntaxKind.AwaitExpression, SyntaxKind.ParenthesizedExpression, SyntaxKind.AsExpression, SyntaxKind.NonNullExpression]);

/** `x` of `await x`, `(x)`, `x as T`, `x!`. */
function unwrap(expr: ts.Expression): ts.Expression {
  while (WRAPPERS.has(expr.kind)) expr = (expr as ts.AwaitExpression).expression;
  return expr;
}

/** The last name of `a.b.c` (`c`), of an identifier, or of `this`. */
function lastName(expr: ts.Expression): string | undefined {
  expr = unwrap(expr);
  if (ts.isIdentifier(expr)) return expr.text;
  if (ts.isPropertyAccessExpression(expr)) return expr.name.text;
  if (expr.kind === SyntaxKind.ThisKeyword) return 'this';
  return undefined;
}

/** `Order`, `entities.Order` or `'Order'` passed where TypeORM wants an entity. */
function className(arg: ts.Expression | undefined): string | undefined {
  if (!arg) return undefined;
  if (ts.isIdentifier(arg) || ts.isStringLiteralLike(arg)) return arg.text;
  if (ts.isPropertyAccessExpression(arg)) return arg.name.text;
  return undefined;
}

function decoratorsOf(node: ts.Node): { name: string; args: readonly ts.Expression[] }[] {
  const decorators = ts.canHaveDecorators(node) ? (ts.getDecorators(node) ?? []) : [];
  return decorators.flatMap((d) => {
    const call = ts.isCallExpression(d.expression) ? d.expression : undefined;
    const name = lastName(call ? call.expression : d.expression);
    return name ? [{ name, args: call?.arguments ?? [] }] : [];
  });
}

function extendsName(node: ts.ClassLikeDeclaration): string | undefined {
  const clause = node.heritageClauses?.find((h) => h.token === SyntaxKind.ExtendsKeyword);
  return clause?.types[0] ? lastName(clause.types[0].expression) : undefined;
}

function enclosingClass(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  for (let p = node.parent; p; p = p.parent) if (ts.isClassLike(p)) return p;
  return undefined;
}

/** The block, function or module a variable is visible in. */
function scopeOf(node: ts.Node): ts.Node {
  let p = node.parent;
  while (p && !ts.isBlock(p) && !ts.isSourceFile(p) && !ts.isModuleBlock(p) && !ts.isCaseClause(p) && !ts.isDefaultClause(p) && !ts.isFunctionLike(p) && !ts.isForStatement(p) && !ts.isForOfStatement(p) && !ts.isForInStatement(p)) p = p.parent;
  return p ?? node.getSourceFile();
}

function propertyOf(obj: ts.ObjectLiteralExpression, key: string): ts.Expression | undefined {
  for (const p of obj.properties) {
    if (ts.isShorthandPropertyAssignment(p) && p.name.text === key) return p.name;
    if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === key) return p.initializer;
  }
  return undefined;
}

function stringOf(obj: ts.ObjectLiteralExpression, key: string): string | undefined {
  const v = propertyOf(obj, key);
  return v && ts.isStringLiteralLike(v) ? v.text : undefined;
}

function booleanOf(obj: ts.ObjectLiteralExpression, key: string): boolean | undefined {
  const v = propertyOf(obj, key);
  return v?.kind === SyntaxKind.TrueKeyword ? true : v?.kind === SyntaxKind.FalseKeyword ? false : undefined;
}

function sequelizeOptions(obj: ts.ObjectLiteralExpression): SequelizeOptions {
  const options: SequelizeOptions = {
    tableName: stringOf(obj, 'tableName'),
    modelName: stringOf(obj, 'modelName'),
    freezeTableName: booleanOf(obj, 'freezeTableName'),
    underscored: booleanOf(obj, 'underscored'),
    schema: stringOf(obj, 'schema'),
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

/** `@Entity('orders')`, `@Entity('orders', { schema })`, `@Entity({ name, schema })`, `@Entity()` (snake_case). */
function typeormTable(className: string, args: readonly ts.Expression[]): string {
  const [a0, a1] = args;
  let name = a0 && ts.isStringLiteralLike(a0) ? a0.text : undefined;
  const options = name !== undefined ? a1 : a0;
  let schema: string | undefined;
  if (options && ts.isObjectLiteralExpression(options)) {
    name ??= stringOf(options, 'name') ?? stringOf(options, 'tableName'); // MikroORM: `@Entity({ tableName })`
    schema = stringOf(options, 'schema');
  }
  return qualify(name || snakeCase(className), schema);
}

/** The entity of a repository expression: `getRepository(Order)`, `ds.getRepository(Order).extend({…})`. */
function repositoryEntity(expr: ts.Expression): string | undefined {
  if (expr.kind !== SyntaxKind.CallExpression) return undefined;
  const call = expr as ts.CallExpression;
  const callee = call.expression;
  if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'extend' && ts.isCallExpression(callee.expression)) return repositoryEntity(callee.expression);
  const fn = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
  return fn && REPOSITORY_GETTERS.has(fn) ? className(call.arguments[0]) : undefined;
}

/** Objection: `static tableName = 'users'` or `static get tableName() { return 'users'; }`. */
function staticTableName(node: ts.ClassLikeDeclaration): string | undefined {
  for (const m of node.members) {
    if (!m.name || !ts.isIdentifier(m.name) || m.name.text !== 'tableName' || !(ts.getCombinedModifierFlags(m as ts.Declaration) & ts.ModifierFlags.Static)) continue;
    if (ts.isPropertyDeclaration(m) && m.initializer && ts.isStringLiteralLike(m.initializer)) return m.initializer.text;
    if (ts.isGetAccessorDeclaration(m) && m.body?.statements.length === 1) {
      const ret = m.body.statements[0]!;
      if (ts.isReturnStatement(ret) && ret.expression && ts.isStringLiteralLike(ret.expression)) return ret.expression.text;
    }
  }
  return undefined;
}

/** `@EntityRepository(User) class UserRepository …` or `class UserRepository extends Repository<User>`: User. */
function customRepositoryEntity(node: ts.ClassLikeDeclaration): string | undefined {
  const decorated = decoratorsOf(node).find((d) => d.name === 'EntityRepository');
  if (decorated) return className(decorated.args[0]);
  const base = node.heritageClauses?.find((h) => h.token === SyntaxKind.ExtendsKeyword)?.types[0];
  const arg = base && REPOSITORY_TYPES.has(lastName(base.expression) ?? '') ? base.typeArguments?.[0] : undefined;
  return arg && ts.isTypeReferenceNode(arg) && ts.isIdentifier(arg.typeName) ? arg.typeName.text : undefined;
}

/** `@InjectRepository(Order)`, `@InjectModel(User)` or a `Repository<Order>` type on a member or parameter. */
function injectedClass(node: ts.PropertyDeclaration | ts.ParameterDeclaration): string | undefined {
  for (const d of decoratorsOf(node)) if (d.name === 'InjectRepository' || d.name === 'InjectModel') return className(d.args[0]);
  const type = node.type;
  if (type && ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && REPOSITORY_TYPES.has(type.typeName.text)) {
    const arg = type.typeArguments?.[0];
    if (arg && ts.isTypeReferenceNode(arg)) return ts.isIdentifier(arg.typeName) ? arg.typeName.text : arg.typeName.right.text;
  }
  // A custom repository by its class (`private users: UserRepository`): a table only if that class is one.
  if (type && ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && /Repository$/.test(type.typeName.text)) return type.typeName.text;
  return undefined;
}

function receiverOf(expr: ts.Expression): Receiver | undefined {
  expr = unwrap(expr);
  if (ts.isIdentifier(expr)) return { kind: 'name', name: expr.text };
  if (ts.isPropertyAccessExpression(expr)) {
    if (expr.expression.kind === SyntaxKind.ThisKeyword) return { kind: 'this', name: expr.name.text };
    const owner = lastName(expr.expression);
    return owner ? { kind: 'member', owner, name: expr.name.text } : undefined;
  }
  const entity = repositoryEntity(expr);
  return entity ? { kind: 'repository', entity } : undefined;
}

/** Does the call chain `node` starts (`node.a().b()`) call one of `methods`? */
function chainAfterHas(node: ts.Node, methods: ReadonlySet<string>): boolean {
  let current = node;
  for (let p = current.parent; p; current = p, p = p.parent) {
    if (ts.isPropertyAccessExpression(p) && p.expression === current) {
      if (methods.has(p.name.text)) return true;
    } else if (!(ts.isCallExpression(p) && p.expression === current) && !ts.isAwaitExpression(p) && !ts.isParenthesizedExpression(p)) return false;
  }
  return false;
}

/** Does the chain `expr` ends (`x.delete()` in `x.delete().from(Order)`) call one of `methods`? */
function chainBeforeHas(expr: ts.Expression, methods: ReadonlySet<string>): boolean {
  for (let e = expr; ts.isCallExpression(e) || ts.isPropertyAccessExpression(e); e = e.expression) {
    if (ts.isPropertyAccessExpression(e) && methods.has(e.name.text)) return true;
  }
  return false;
}

// ---------------------------------------------------------------- resolving, once every file is collected

interface Registry {
  entities: Map<string, EntityDecl[]>;
  parents: Map<string, string>;
  models: Map<string, ModelDecl[]>;
  modelNames: Map<string, ModelDecl[]>;
  repositories: Map<string, (Binding & { file: string })[]>;
  delegates: Map<string, string>;
  sequelizeDefaults: SequelizeOptions;
  /** `Entity.property` -> the related entity. */
  relations: Map<string, string>;
}

interface Target {
  via: OrmVia;
  table: string;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function buildRegistry(files: readonly OrmFileFacts[], prisma: readonly PrismaModel[]): Registry {
  const r: Registry = { entities: new Map(), parents: new Map(), models: new Map(), modelNames: new Map(), repositories: new Map(), delegates: new Map(), sequelizeDefaults: {}, relations: new Map() };
  for (const f of files) {
    for (const rel of f.relations) r.relations.set(`${rel.entity}.${rel.property}`, rel.target);
    for (const e of f.entities) push(r.entities, e.name, e);
    for (const [child, parent] of f.parents) if (!r.parents.has(child)) r.parents.set(child, parent);
    for (const m of f.models) {
      if (m.name) push(r.models, m.name, m);
      push(r.modelNames, m.modelName, m);
    }
    for (const b of f.bindings) if (b.top) push(r.repositories, b.name, { ...b, file: f.file });
    if (f.sequelizeDefaults && Object.keys(r.sequelizeDefaults).length === 0) r.sequelizeDefaults = f.sequelizeDefaults;
  }
  for (const m of prisma) if (!r.delegates.has(prismaDelegate(m.model))) r.delegates.set(prismaDelegate(m.model), m.table);
  return r;
}

/** Of several declarations of one name: the one in this file, else the one it is imported from, else the first. */
function pick<T extends { file: string }>(candidates: T[] | undefined, name: string, f: OrmFileFacts): T | undefined {
  if (!candidates) return undefined;
  const from = f.importedFrom.get(name);
  return candidates.find((c) => c.file === f.file) ?? candidates.find((c) => c.file === from) ?? candidates[0];
}

function entityTarget(name: string, f: OrmFileFacts, r: Registry): Target | undefined {
  let entity = pick(r.entities.get(name), name, f);
  // A @ChildEntity lives in the table of the entity it extends.
  for (let depth = 0; entity && entity.table === undefined && depth < 10; depth++) {
    const parent = r.parents.get(entity.name);
    entity = parent ? pick(r.entities.get(parent), parent, f) : undefined;
  }
  return entity?.table ? { via: 'typeorm', table: entity.table } : undefined;
}

function modelTarget(model: ModelDecl | undefined, r: Registry): Target | undefined {
  if (model?.orm === 'objection') return { via: 'objection', table: qualify(model.options.tableName!) };
  return model ? { via: 'sequelize', table: sequelizeTableName(model.modelName, { ...r.sequelizeDefaults, ...model.options }) } : undefined;
}

function classTarget(name: string, f: OrmFileFacts, r: Registry): Target | undefined {
  return entityTarget(name, f, r) ?? modelTarget(pick(r.models.get(name), name, f), r);
}

function extendsBaseEntity(name: string, r: Registry): boolean {
  let current: string | undefined = name;
  for (let depth = 0; current && depth < 10; depth++) {
    if (current === 'BaseEntity') return true;
    current = r.parents.get(current);
  }
  return false;
}

/** The innermost binding of `name` visible at `pos`. */
function bindingAt(f: OrmFileFacts, name: string, self: boolean, pos: number): Binding | undefined {
  let best: Binding | undefined;
  for (const b of f.bindings) {
    if (b.name === name && b.self === self && b.start <= pos && pos < b.end && (!best || b.start >= best.start)) best = b;
  }
  return best;
}

function receiverTarget(receiver: Receiver, pos: number, f: OrmFileFacts, r: Registry): Target | undefined {
  switch (receiver.kind) {
    case 'repository':
      return entityTarget(receiver.entity, f, r);
    case 'this': {
      const binding = bindingAt(f, receiver.name, true, pos);
      if (binding) return classTarget(binding.target, f, r);
      const table = r.delegates.get(receiver.name);
      return table ? { via: 'prisma', table } : undefined;
    }
    case 'member': {
      if (MODEL_OWNERS.test(receiver.owner)) {
        const model = pick(r.modelNames.get(receiver.name), receiver.name, f) ?? pick(r.models.get(receiver.name), receiver.name, f);
        if (model) return modelTarget(model, r);
      }
      const table = r.delegates.get(receiver.name);
      return table ? { via: 'prisma', table } : undefined;
    }
    case 'name': {
      const name = receiver.name;
      const binding = bindingAt(f, name, false, pos) ?? pick(r.repositories.get(name), name, f);
      if (binding) return classTarget(binding.target, f, r);
      if (extendsBaseEntity(name, r)) return entityTarget(name, f, r);
      return modelTarget(pick(r.models.get(name), name, f), r);
    }
  }
}

function modeOf(via: OrmVia, use: Use): Mode | undefined {
  const mode = (via === 'typeorm' ? TYPEORM_METHODS : via === 'sequelize' ? SEQUELIZE_METHODS : via === 'objection' ? OBJECTION_METHODS : PRISMA_METHODS).get(use.method);
  return mode === 'read' && use.writes ? 'write' : mode;
}

/** The entity class a receiver stands for (a repository of it, a class extending BaseEntity). */
function receiverClass(receiver: Receiver, pos: number, f: OrmFileFacts, r: Registry): string | undefined {
  if (receiver.kind === 'repository') return receiver.entity;
  if (receiver.kind === 'this') return bindingAt(f, receiver.name, true, pos)?.target;
  if (receiver.kind === 'name') return (bindingAt(f, receiver.name, false, pos) ?? pick(r.repositories.get(receiver.name), receiver.name, f))?.target ?? (extendsBaseEntity(receiver.name, r) ? receiver.name : undefined);
  return undefined;
}

/** The entity a relation join reaches: aliases followed from the chain's root through its earlier joins. */
function relationEntity(rel: RelationJoin, pos: number, f: OrmFileFacts, r: Registry): string | undefined {
  const root = rel.rootEntity ?? (rel.root ? receiverClass(rel.root, pos, f, r) : undefined);
  if (!root) return undefined;
  const aliases = new Map([[rel.rootAlias, root]]);
  const follow = (path: string) => {
    const [alias, property] = path.split('.') as [string, string];
    const entity = aliases.get(alias);
    return entity ? relationOf(entity, property, r) : undefined;
  };
  for (const [path, alias] of rel.joins) {
    const target = follow(path);
    if (target) aliases.set(alias, target);
  }
  return follow(rel.path);
}

/** The related entity of `entity.property`, looking up the classes it extends too. */
function relationOf(entity: string, property: string, r: Registry): string | undefined {
  let current: string | undefined = entity;
  for (let depth = 0; current && depth < 10; depth++) {
    const target = r.relations.get(`${current}.${property}`);
    if (target) return target;
    current = r.parents.get(current);
  }
  return undefined;
}

function resolveUse(use: Use, f: OrmFileFacts, r: Registry): OrmAccess | undefined {
  if (use.relation) {
    const entity = relationEntity(use.relation, use.pos, f, r);
    const target = entity ? entityTarget(entity, f, r) : undefined;
    return target ? { file: f.file, line: use.line, pos: use.pos, table: target.table, mode: 'read', via: 'typeorm' } : undefined;
  }
  const target = use.receiver && receiverTarget(use.receiver, use.pos, f, r);
  const mode = target && modeOf(target.via, use);
  if (target && mode) return { file: f.file, line: use.line, pos: use.pos, table: target.table, mode, via: target.via };
  // An entity class passed to a manager or a query builder: `manager.save(Order, …)`, `.from(Order, 'o')`.
  const byArg = use.entityArg ? entityTarget(use.entityArg, f, r) : undefined;
  let argMode = byArg ? (TYPEORM_METHODS.get(use.method) ?? TYPEORM_BUILDER_METHODS.get(use.method)) : undefined;
  if (argMode === 'read' && use.writes) argMode = 'write';
  return byArg && argMode ? { file: f.file, line: use.line, pos: use.pos, table: byArg.table, mode: argMode, via: 'typeorm' } : undefined;
}

/** Every ORM use of every file, mapped to its table, in file order. */
export function resolveOrmAccess(files: readonly OrmFileFacts[], prisma: readonly PrismaModel[]): OrmAccess[] {
  const registry = buildRegistry(files, prisma);
  const out: OrmAccess[] = [];
  for (const f of files) {
    for (const use of f.uses) {
      const access = resolveUse(use, f, registry);
      if (access) out.push(access);
    }
  }
  return out;
}

/** The tables entities, models and Prisma models declare, whether or not a use of them was found. */
export function declaredOrmTables(files: readonly OrmFileFacts[], prisma: readonly PrismaModel[]): { table: string; entity?: string; via: string; at: { file: string; line: number } }[] {
  const registry = buildRegistry(files, prisma);
  const out: { table: string; entity?: string; via: string; at: { file: string; line: number } }[] = [];
  for (const f of files) {
    for (const e of f.entities) {
      if (e.repository) continue;
      const target = entityTarget(e.name, f, registry);
      if (target) out.push({ table: target.table, entity: e.name, via: 'typeorm', at: { file: e.file, line: e.line ?? 1 } });
    }
    for (const m of f.models) {
      if (m.through && registry.modelNames.get(m.modelName)?.some((d) => !d.through)) continue;
      const target = modelTarget(m, registry)!;
      out.push({ table: target.table, entity: m.name ?? m.modelName, via: target.via, at: { file: m.file, line: m.line ?? 1 } });
    }
  }
  for (const f of files) {
    for (const rel of f.relations) {
      if (rel.joinTable === undefined) continue;
      const owner = entityTarget(rel.entity, f, registry)?.table;
      const target = entityTarget(rel.target, f, registry)?.table;
      // TypeORM's DefaultNamingStrategy.joinTableName: snake_case(`${ownerTable}_${property}_${targetTable}`);
      // MikroORM's UnderscoreNamingStrategy: `${ownerTable}_${snake_case(property)}`.
      const mikroName = owner && `${owner.split('.').at(-1)}_${snakeCase(rel.property)}`;
      const typeormName = owner && target ? snakeCase(`${owner.split('.').at(-1)}_${rel.property}_${target.split('.').at(-1)}`) : undefined;
      const table = rel.joinTable || (rel.naming === 'mikro-orm' ? mikroName : typeormName);
      if (table) out.push({ table: qualify(table), via: 'typeorm', at: { file: f.file, line: rel.line } });
    }
  }
  for (const m of prisma) out.push({ table: m.table, entity: m.model, via: 'prisma', at: { file: m.file, line: m.line } });
  for (const j of prismaJoinTables(prisma)) out.push({ table: j.table, via: 'prisma', at: { file: j.file, line: j.line } });
  return out;
}
