import { describe, expect, it } from 'vitest';
import { scanTree } from './tree.ts';

describe('TypeORM relations', () => {
  it('@JoinTable names (explicit and default), relation joins resolved to the related table, aliases never tables', async () => {
    const model = await scanTree({
      'src/entities.ts': [
        "import { Entity, ManyToMany, ManyToOne, OneToMany, JoinTable, PrimaryGeneratedColumn } from 'typeorm';",
        '@Entity()',
        'export class Product {',
        '  @PrimaryGeneratedColumn() id: number;',
        '  @OneToMany(() => ProductVariant, (v) => v.product) variants: ProductVariant[];',
        '  @ManyToMany(() => Category) @JoinTable() categories: Category[];',
        "  @ManyToMany(() => SalesChannel) @JoinTable({ name: 'product_sales_channels' }) channels: SalesChannel[];",
        '}',
        "@Entity('product_variants')",
        'export class ProductVariant {',
        '  @PrimaryGeneratedColumn() id: number;',
        '  @ManyToOne(() => Product) product: Product;',
        '  @OneToMany(() => Price, (p) => p.variant) prices: Price[];',
        '}',
        '@Entity() export class Price { @PrimaryGeneratedColumn() id: number; @ManyToOne(() => ProductVariant) variant: ProductVariant; }',
        '@Entity() export class Category { @PrimaryGeneratedColumn() id: number; }',
        '@Entity() export class SalesChannel { @PrimaryGeneratedColumn() id: number; }',
      ],
      'src/products.service.ts': [
        "import { getRepository } from 'typeorm';",
        "import { Product } from './entities';",
        'export function cheapest() {',
        "  return getRepository(Product).createQueryBuilder('p').leftJoin('p.variants', 'v').leftJoinAndSelect('v.prices', 'pr').getMany();",
        '}',
      ],
    });
    expect([...new Set((model.tables ?? []).map((t) => t.table))].sort()).toEqual(['category', 'price', 'product', 'product_categories_category', 'product_sales_channels', 'product_variants', 'sales_channel']);
    expect(model.tableAccess.filter((a) => a.module === 'src/products.service.ts').map((a) => `${a.mode} ${a.table}`).sort()).toEqual(['read price', 'read product', 'read product_variants']);
  });

  it('a binary file in the source tree is skipped with a warning, never parsed', async () => {
    const model = await scanTree({ 'src/logo.js': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]), 'src/ok.js': ['module.exports = 1;'] });
    expect(model.warnings).toEqual(['src/logo.js:1: binary content (NUL bytes): skipped']);
  });
});
