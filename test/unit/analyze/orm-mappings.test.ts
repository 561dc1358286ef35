import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePrismaSchema, pluralize, sequelizeTableName, snakeCase } from '../../../src/analyzers/code/orm-mappings.ts';
import { scanCode, type ScanOptions } from '../../../src/analyzers/code/scan-code.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Writes `files` (path -> lines) under a fresh temp dir and scans it; accesses as `module table mode via xcount :line`. */
async function scan(files: Record<string, string[]>, options: Omit<ScanOptions, 'root'> = {}): Promise<string[]> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'orm-'));
  for (const [file, lines] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), lines.join('\n'));
  }
  const model = await scanCode({ root, ...options });
  return model.tableAccess.map((a) => `${a.module} ${a.table} ${a.mode} ${a.via} x${a.count} :${a.at.line}`);
}

/** One file per method (`src/use-<method>.ts`), so each method's mode shows on its own. */
function onePerMethod(methods: string[], call: (method: string) => string, header: string[]): Record<string, string[]> {
  return Object.fromEntries(methods.map((m) => [`src/use-${m}.ts`, [...header, call(m)]]));
}

describe('naming defaults', () => {
  it('TypeORM: snake_case of the class name', () => {
    expect(['Order', 'OrderItem', 'HTTPRequestLog', 'Address2Line'].map(snakeCase)).toEqual(['order', 'order_item', 'http_request_log', 'address2_line']);
  });

  it('Sequelize: the model name pluralized, unless freezeTableName; tableName wins', () => {
    expect(['User', 'Category', 'Day', 'Address', 'Box', 'Branch', 'Dish', 'Status', 'users'].map(pluralize)).toEqual([
      'Users', 'Categories', 'Days', 'Addresses', 'Boxes', 'Branches', 'Dishes', 'Statuses', 'users',
    ]);
    expect(sequelizeTableName('User')).toBe('users');
    expect(sequelizeTableName('OrderItem')).toBe('orderitems');
    expect(sequelizeTableName('OrderItem', { underscored: true })).toBe('order_items');
    expect(sequelizeTableName('User', { freezeTableName: true })).toBe('user');
    expect(sequelizeTableName('User', { tableName: 'app_users', schema: 'accounts' })).toBe('accounts.app_users');
  });

  it('Prisma: @@map, else the model name; @@schema; comments and other blocks ignored', () => {
    const schema = [
      'datasource db {',
      '  provider = "postgresql"',
      '}',
      '',
      'model Order {',
      '  id    Int    @id',
      '  url   String @default("http://x/y") // not a comment start for @@map',
      '  // @@map("commented_out")',
      '  @@map("orders")',
      '}',
      'enum Status {',
      '  OPEN',
      '}',
      'model LineItem {',
      '  id Int @id',
      '  @@map(name: "line_items")',
      '  @@schema("sales")',
      '}',
      'model Customer {',
      '  id Int @id',
      '}',
    ].join('\n');
    expect(parsePrismaSchema(schema, 'prisma/schema.prisma')).toEqual([
      { model: 'Order', table: 'orders', file: 'prisma/schema.prisma', line: 5 },
      { model: 'LineItem', table: 'sales.line_items', file: 'prisma/schema.prisma', line: 14 },
      { model: 'Customer', table: 'customer', file: 'prisma/schema.prisma', line: 19 },
    ]);
  });
});

describe('TypeORM', () => {
  const entities = [
    "import { BaseEntity, Entity, ChildEntity, PrimaryGeneratedColumn } from 'typeorm';",
    "@Entity('orders')",
    'export class Order {}',
    "@Entity({ name: 'order_lines', schema: 'sales' })",
    'export class OrderLine {}',
    '@Entity()',
    'export class ShippingAddress {}',
    '@Entity()',
    'export class Invoice extends BaseEntity {}',
    'export class Draft {}',
    '@ChildEntity()',
    'export class CreditNote extends Invoice {}',
  ];

  it('maps @Entity classes to tables and finds their uses in other modules', async () => {
    const accesses = await scan({
      'src/entities.ts': entities,
      'src/services/orders.ts': [
        "import { Injectable } from '@nestjs/common';",
        "import { InjectRepository } from '@nestjs/typeorm';",
        "import { DataSource, EntityManager, Repository, getRepository } from 'typeorm';",
        "import { Order, OrderLine as Line, ShippingAddress } from '../entities.ts';",
        '@Injectable()',
        'export class OrderService {',
        '  constructor(@InjectRepository(Order) private readonly orders: Repository<Order>, private readonly ds: DataSource) {}',
        '  list() { return this.orders.find({ take: 10 }); }',
        '  async place(manager: EntityManager) {',
        '    await manager.save(Order, { id: 1 });',
        '    await manager.getRepository(Line).insert({ id: 2 });',
        '    const lines = this.ds.getRepository(Line);',
        '    return lines.count();',
        '  }',
        '  address() { return getRepository(ShippingAddress).findOneBy({ id: 1 }); }',
        '}',
      ],
      'src/services/billing.ts': [
        "import { Invoice, CreditNote } from '../entities.ts';",
        'export async function bill() {',
        '  const open = await Invoice.find({ where: { open: true } });',
        '  await Invoice.update({ open: true }, { open: false });',
        '  return [open, await CreditNote.count()];',
        '}',
      ],
    });
    expect(accesses).toEqual([
      'src/services/billing.ts invoice read typeorm x2 :3',
      'src/services/billing.ts invoice write typeorm x1 :4',
      'src/services/orders.ts orders read typeorm x1 :8',
      'src/services/orders.ts orders write typeorm x1 :10',
      'src/services/orders.ts sales.order_lines read typeorm x1 :13',
      'src/services/orders.ts sales.order_lines write typeorm x1 :11',
      'src/services/orders.ts shipping_address read typeorm x1 :15',
    ]);
  });

  it('repositories held as class members, exported constants and query builders', async () => {
    const accesses = await scan({
      'src/entities.ts': entities,
      'src/data-source.ts': [
        "import { DataSource } from 'typeorm';",
        "import { Order } from './entities.ts';",
        'export const AppDataSource = new DataSource({ type: "postgres" });',
        'export const orderRepository = AppDataSource.getRepository(Order).extend({ open() { return this.find(); } });',
      ],
      'src/reports.ts': [
        "import { AppDataSource, orderRepository } from './data-source.ts';",
        "import { Order, OrderLine } from './entities.ts';",
        'export class Reports {',
        '  private lines = AppDataSource.getRepository(OrderLine);',
        '  private addresses;',
        "  constructor() { this.addresses = AppDataSource.manager.getRepository('ShippingAddress'); }",
        '  total() { return this.lines.sum("amount"); }',
        '  wipe() { return this.addresses.clear(); }',
        '  recent() { return orderRepository.createQueryBuilder("o").where("o.id > 1").getMany(); }',
        '  purge() { return AppDataSource.createQueryBuilder().delete().from(Order).where("id < 1").execute(); }',
        '  close() { return orderRepository.createQueryBuilder().update().set({ open: false }).execute(); }',
        '  copy() { return AppDataSource.createQueryBuilder().insert().into(OrderLine).values([]).execute(); }',
        '  joined() { return AppDataSource.createQueryBuilder().select("o").from(Order, "o").leftJoin(OrderLine, "l", "l.order_id = o.id").getMany(); }',
        '}',
      ],
    });
    expect(accesses).toEqual([
      'src/reports.ts orders read typeorm x2 :9',
      'src/reports.ts orders write typeorm x2 :10',
      'src/reports.ts sales.order_lines read typeorm x2 :7',
      'src/reports.ts sales.order_lines write typeorm x1 :12',
      'src/reports.ts shipping_address write typeorm x1 :8',
    ]);
  });

  it('an injected class property, a Repository<T> parameter, and a repository variable only inside its block', async () => {
    const accesses = await scan({
      'src/entities.ts': entities,
      'src/a.ts': [
        "import { Order, OrderLine, ShippingAddress } from './entities.ts';",
        'export class A {',
        '  @InjectRepository(Order)',
        '  private readonly orders!: Repository<Order>;',
        '  open() { return this.orders.findBy({ open: true }); }',
        '}',
        'export function drop(lines: Repository<OrderLine>) { return lines.delete({}); }',
        'export function scoped(ds: DataSource) {',
        '  { const repo = ds.getRepository(ShippingAddress); repo.save({}); }',
        '  return (repo: { save(): void }) => repo.save();',
        '}',
      ],
    });
    expect(accesses).toEqual(['src/a.ts orders read typeorm x1 :5', 'src/a.ts sales.order_lines write typeorm x1 :7', 'src/a.ts shipping_address write typeorm x1 :9']);
  });

  const reads = ['find', 'findOne', 'findOneBy', 'findBy', 'findAndCount', 'count', 'exist', 'exists', 'createQueryBuilder', 'query'];
  const writes = ['save', 'insert', 'update', 'upsert', 'delete', 'remove', 'softDelete', 'restore', 'increment', 'decrement', 'clear'];

  it.each([
    ['a repository', (m: string) => `export const run = () => getRepository(Order).${m}();`],
    ['an entity manager', (m: string) => `export const run = (manager: EntityManager) => manager.${m}(Order, {});`],
    ['an active-record entity', (m: string) => `export const run = () => Invoice.${m}();`],
  ])('each read and write method through %s', async (_, call) => {
    const header = ["import { getRepository, EntityManager } from 'typeorm';", "import { Order, Invoice } from './entities.ts';"];
    const accesses = await scan({ 'src/entities.ts': entities, ...onePerMethod([...reads, ...writes], call, header) });
    const table = call('x').includes('Invoice') ? 'invoice' : 'orders';
    expect(accesses.sort()).toEqual([...reads.map((m) => `src/use-${m}.ts ${table} read typeorm x1 :3`), ...writes.map((m) => `src/use-${m}.ts ${table} write typeorm x1 :3`)].sort());
  });

  it('find() on what is not an entity, or on an entity without BaseEntity, is no table access', async () => {
    const accesses = await scan({
      'src/entities.ts': entities,
      'src/misc.ts': [
        "import { Order, Draft } from './entities.ts';",
        "import { getRepository } from 'typeorm';",
        'const items = [1, 2, 3];',
        'export const a = items.find((x) => x > 1);',
        'export const b = [Order].find(Boolean);',
        'export const c = Order.find();',
        'export const d = Draft.save();',
        'export const e = getRepository(Draft).find();',
        'export const f = (service: { find(x: unknown): void }) => service.find(Draft);',
        'export const g = (repo: { find(): void }) => repo.find();',
        'export const h = (m: Map<string, number>) => m.delete("x") && m.clear();',
      ],
    });
    expect(accesses).toEqual([]);
  });
});

describe('Sequelize', () => {
  const models = [
    "import { DataTypes, Model, Sequelize } from 'sequelize';",
    "export const sequelize = new Sequelize('postgres://localhost/shop');",
    "export const User = sequelize.define('User', { name: DataTypes.STRING });",
    "export const Product = sequelize.define('Product', {}, { tableName: 'catalog_products' });",
    "export const Category = sequelize.define('Category', {});",
    "export const Stock = sequelize.define('stock', {}, { freezeTableName: true });",
    'export class Address extends Model {}',
    "Address.init({ line1: DataTypes.STRING }, { sequelize, modelName: 'Address' });",
    'export class OrderItem extends Model {}',
    "OrderItem.init({}, { sequelize, tableName: 'order_items' });",
    'export class Box extends Model {}',
    'Box.init({}, { sequelize, underscored: true });',
  ];

  it('maps define and init models to tables (tableName, plural, freezeTableName) and finds their uses', async () => {
    const accesses = await scan({
      'src/models.ts': models,
      'src/shop.ts': [
        "import { User, Product, Category, Stock, Address, OrderItem, Box, sequelize } from './models.ts';",
        'export async function run() {',
        '  await User.findAll();',
        '  await Product.findByPk(1);',
        '  await Category.create({ name: "x" });',
        '  await Stock.decrement("qty", { where: { id: 1 } });',
        '  await Address.findOne();',
        '  await OrderItem.bulkCreate([]);',
        '  await Box.count();',
        '  await sequelize.models.User.update({ name: "y" }, { where: {} });',
        '  return sequelize.models.Product.findAll();',
        '}',
      ],
    });
    expect(accesses).toEqual([
      'src/shop.ts addresses read sequelize x1 :7',
      'src/shop.ts boxes read sequelize x1 :9',
      'src/shop.ts catalog_products read sequelize x2 :4',
      'src/shop.ts categories write sequelize x1 :5',
      'src/shop.ts order_items write sequelize x1 :8',
      'src/shop.ts stock write sequelize x1 :6',
      'src/shop.ts users read sequelize x1 :3',
      'src/shop.ts users write sequelize x1 :10',
    ]);
  });

  it('a define in a sequelize-cli style factory, used through db.Model; global define options', async () => {
    const accesses = await scan({
      'models/index.js': [
        "const { Sequelize } = require('sequelize');",
        "const sequelize = new Sequelize('postgres://x', { define: { freezeTableName: true } });",
        'const db = {};',
        "db.Person = require('./person.js')(sequelize);",
        'module.exports = db;',
      ],
      'models/person.js': ["module.exports = (sequelize, DataTypes) => sequelize.define('Person', { name: DataTypes.STRING });"],
      'routes/people.js': ["const db = require('../models/index.js');", 'exports.list = () => db.Person.findAll();', 'exports.add = (p) => db.Person.create(p);'],
    });
    expect(accesses).toEqual(['routes/people.js person read sequelize x1 :2', 'routes/people.js person write sequelize x1 :3']);
  });

  it('sequelize-typescript @Table classes and Nest @InjectModel members', async () => {
    const accesses = await scan({
      'src/models.ts': [
        "import { Column, Model, Table } from 'sequelize-typescript';",
        "@Table({ tableName: 'carts' })",
        'export class Cart extends Model {}',
        '@Table',
        'export class Wish extends Model {}',
        '@Table({ freezeTableName: true, modelName: "coupon" })',
        'export class Coupon extends Model {}',
      ],
      'src/cart.service.ts': [
        "import { Cart, Coupon, Wish } from './models.ts';",
        'export class CartService {',
        '  constructor(@InjectModel(Cart) private carts: typeof Cart, @InjectModel(Wish) private wishes: typeof Wish) {}',
        '  add() { return this.carts.create({}); }',
        '  wished() { return this.wishes.findAll(); }',
        '  coupon() { return Coupon.findOne(); }',
        '}',
      ],
    });
    expect(accesses).toEqual(['src/cart.service.ts carts write sequelize x1 :4', 'src/cart.service.ts coupon read sequelize x1 :6', 'src/cart.service.ts wishes read sequelize x1 :5']);
  });

  const reads = ['findAll', 'findOne', 'findByPk', 'findAndCountAll', 'count', 'max', 'min', 'sum'];
  const writes = ['create', 'bulkCreate', 'update', 'destroy', 'upsert', 'increment', 'decrement', 'truncate'];

  it('each read and write method', async () => {
    const header = ["import { User } from './models.ts';"];
    const accesses = await scan({ 'src/models.ts': models, ...onePerMethod([...reads, ...writes], (m) => `export const run = () => User.${m}();`, header) });
    expect(accesses.sort()).toEqual([...reads.map((m) => `src/use-${m}.ts users read sequelize x1 :2`), ...writes.map((m) => `src/use-${m}.ts users write sequelize x1 :2`)].sort());
  });

  it('a define that is not Sequelize and calls on non-models are no table access', async () => {
    const accesses = await scan({
      'src/models.ts': models,
      'src/widgets.ts': [
        "customElements.define('x-user', class extends HTMLElement {});",
        'const cache = new Map();',
        'export const a = (Widget: { findAll(): void }) => Widget.findAll();',
        'export const b = () => cache.clear();',
        'export const c = (user: { update(): void }) => user.update();',
      ],
    });
    expect(accesses).toEqual([]);
  });
});

describe('Prisma', () => {
  const schema = ['model Order {', '  id Int @id', '  @@map("orders")', '}', '', 'model OrderItem {', '  id Int @id', '}'];

  it('finds models in schema.prisma anywhere under the root and their client delegates in code', async () => {
    const accesses = await scan({
      'prisma/schema.prisma': schema,
      'src/orders.ts': [
        "import { PrismaClient } from '@prisma/client';",
        'const prisma = new PrismaClient();',
        'export class Orders {',
        '  constructor(private readonly prisma: PrismaClient) {}',
        '  list() { return this.prisma.order.findMany(); }',
        '  place() {',
        '    return this.prisma.$transaction(async (tx) => {',
        '      const order = await tx.order.create({ data: {} });',
        '      await tx.orderItem.createMany({ data: [] });',
        '      return order;',
        '    });',
        '  }',
        '}',
        'export const count = () => prisma.orderItem.count();',
      ],
    });
    expect(accesses).toEqual([
      'src/orders.ts orderitem read prisma x1 :14',
      'src/orders.ts orderitem write prisma x1 :9',
      'src/orders.ts orders read prisma x1 :5',
      'src/orders.ts orders write prisma x1 :8',
    ]);
  });

  it('a schema outside the included folders still maps tables', async () => {
    const accesses = await scan({ 'prisma/schema.prisma': schema, 'src/a.ts': ['export const a = (prisma: any) => prisma.order.findFirst();'] }, { include: ['src'] });
    expect(accesses).toEqual(['src/a.ts orders read prisma x1 :1']);
  });

  const reads = ['findMany', 'findFirst', 'findFirstOrThrow', 'findUnique', 'findUniqueOrThrow', 'count', 'aggregate', 'groupBy'];
  const writes = ['create', 'createMany', 'createManyAndReturn', 'update', 'updateMany', 'upsert', 'delete', 'deleteMany'];

  it('each read and write method', async () => {
    const header = ["import { prisma } from './db.ts';"];
    const accesses = await scan({ 'prisma/schema.prisma': schema, 'src/db.ts': ['export const prisma = {} as any;'], ...onePerMethod([...reads, ...writes], (m) => `export const run = () => prisma.order.${m}({});`, header) });
    expect(accesses.sort()).toEqual([...reads.map((m) => `src/use-${m}.ts orders read prisma x1 :2`), ...writes.map((m) => `src/use-${m}.ts orders write prisma x1 :2`)].sort());
  });

  it('without a schema, or for a name that is no model, delegates are no table access', async () => {
    const code = { 'src/a.ts': ['export const a = (prisma: any) => prisma.order.findMany();', 'export const b = (api: any) => api.orders.create({});'] };
    expect(await scan(code)).toEqual([]);
    expect(await scan({ 'prisma/schema.prisma': schema, ...code })).toEqual(['src/a.ts orders read prisma x1 :1']);
  });
});

it('the sample monolith (knex and raw SQL only) scans to the same table accesses as before ORM mappings', async () => {
  const model = await scanCode({ root: path.join(repoRoot, 'fixtures/sample-monolith'), include: ['src'] });
  // Counted before the ORM mappings were added: 95 module/table/mode entries, 136 accesses.
  expect(model.tableAccess.length).toBe(95);
  expect(model.tableAccess.reduce((sum, a) => sum + a.count, 0)).toBe(136);
  expect(new Set(model.tableAccess.map((a) => a.via))).toEqual(new Set(['knex', 'raw-sql']));
});
