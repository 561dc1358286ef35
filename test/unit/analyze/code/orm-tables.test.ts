import { describe, expect, it } from 'vitest';
import { scanTree } from './tree.ts';
import type { CodeModel } from '../../../../src/analyzers/types.ts';

const tables = (model: CodeModel) => [...new Set((model.tables ?? []).map((t) => t.table))].sort();

describe('join tables no class declares', () => {
  it('Prisma implicit many-to-many: _AToB in alphabetical order, _Name for a named relation, none through an explicit model', async () => {
    const model = await scanTree({
      'prisma/schema.prisma': [
        'model Post {',
        '  id Int @id',
        '  tags Tag[]',
        '  likedBy User[] @relation("PostLikes")',
        '  authorships Authorship[]',
        '}',
        'model Tag {',
        '  id Int @id',
        '  posts Post[]',
        '}',
        'model User {',
        '  id Int @id',
        '  liked Post[] @relation("PostLikes")',
        '  followers User[] @relation("Follows")',
        '  following User[] @relation("Follows")',
        '  authorships Authorship[]',
        '}',
        'model Authorship {',
        '  post Post @relation(fields: [postId], references: [id])',
        '  postId Int',
        '  user User @relation(fields: [userId], references: [id])',
        '  userId Int',
        '  @@map("authorships")',
        '}',
      ],
    });
    expect(tables(model)).toEqual(['_follows', '_postlikes', '_posttotag', 'authorships', 'post', 'tag', 'user']);
  });

  it('Sequelize belongsToMany with a string `through` makes a table of that name; a defined model of the name keeps its own', async () => {
    const model = await scanTree({
      'models/index.js': [
        "const { Sequelize, DataTypes } = require('sequelize');",
        "const sequelize = new Sequelize('postgres://localhost/x');",
        "const Article = sequelize.define('Article', { title: DataTypes.STRING });",
        "const Tag = sequelize.define('Tag', { name: DataTypes.STRING });",
        "const User = sequelize.define('User', { name: DataTypes.STRING });",
        "const Favorite = sequelize.define('Favorite', {});",
        "Article.belongsToMany(Tag, { through: 'ArticleTag', foreignKey: 'articleId' });",
        "Tag.belongsToMany(Article, { through: 'ArticleTag', foreignKey: 'tagId' });",
        "User.belongsToMany(Article, { through: 'Favorite' });",
        "Article.findAll({ include: [{ model: Tag, through: { attributes: [] } }] });",
      ],
    });
    expect(tables(model)).toEqual(['articles', 'articletag', 'favorites', 'tags', 'users']);
    expect((model.tables ?? []).filter((t) => t.table === 'articletag')).toHaveLength(1);
  });

  it('MikroORM: @Entity({ tableName }), the owning @ManyToMany pivot (default or pivotTable), none on the inverse side', async () => {
    const model = await scanTree({
      'src/entities/Book.ts': [
        "import { Entity, ManyToMany, PrimaryKey, Collection } from '@mikro-orm/core';",
        "import { BookTag } from './BookTag';",
        "import { Shelf } from './Shelf';",
        '@Entity()',
        'export class Book {',
        '  @PrimaryKey() id!: number;',
        '  @ManyToMany(() => BookTag)',
        '  tags = new Collection<BookTag>(this);',
        "  @ManyToMany({ entity: () => Shelf, owner: true, pivotTable: 'book_on_shelf' })",
        '  shelves = new Collection<Shelf>(this);',
        '}',
      ],
      'src/entities/BookTag.ts': [
        "import { Entity, ManyToMany, PrimaryKey, Collection } from '@mikro-orm/core';",
        "import { Book } from './Book';",
        '@Entity()',
        'export class BookTag {',
        '  @PrimaryKey() id!: number;',
        '  @ManyToMany(() => Book, (b) => b.tags)',
        '  books = new Collection<Book>(this);',
        '}',
      ],
      'src/entities/Shelf.ts': [
        "import { Entity, ManyToMany, PrimaryKey, Collection } from '@mikro-orm/core';",
        "import { Book } from './Book';",
        "@Entity({ tableName: 'shelves' })",
        'export class Shelf {',
        '  @PrimaryKey() id!: number;',
        "  @ManyToMany(() => Book, 'shelves')",
        '  books = new Collection<Book>(this);',
        '}',
      ],
    });
    expect(tables(model)).toEqual(['book', 'book_on_shelf', 'book_tag', 'book_tags', 'shelves']);
  });
});

describe('MikroORM uses', () => {
  it('em.find(Entity), em.getRepository(Entity) and @InjectRepository(Entity) members reach the entity table', async () => {
    const model = await scanTree({
      'src/author.entity.ts': ["import { Entity, PrimaryKey } from '@mikro-orm/core';", "@Entity({ tableName: 'writers' })", 'export class Author { @PrimaryKey() id!: number; }'],
      'src/authors.ts': [
        "import { Author } from './author.entity';",
        'export async function list(em) { return em.find(Author, {}); }',
        'export async function one(em, id) { return em.getRepository(Author).findOne({ id }); }',
        'export async function drop(em, a) { return em.remove(Author, a); }',
      ],
    });
    expect(model.tableAccess.filter((a) => a.module === 'src/authors.ts').map((a) => `${a.mode} ${a.table}`).sort()).toEqual(['read writers', 'write writers']);
  });
});

describe('chained registrations', () => {
  it('Router().get(...).post(...) records each route at its own line', async () => {
    const model = await scanTree({
      'app.js': ["const express = require('express');", 'const app = express();', "app.use('/api', require('./routes'));"],
      'routes.js': [
        "const { Router } = require('express');",
        'module.exports = Router()',
        "  .get('/users', (req, res) => res.send([]))",
        "  .post('/users', (req, res) => res.sendStatus(201))",
        "  .delete('/users/:id', (req, res) => res.sendStatus(204));",
      ],
    });
    expect(model.routes.map((r) => `${r.route} ${r.at.file}:${r.at.line}`).sort()).toEqual(['DELETE /api/users/:id routes.js:5', 'GET /api/users routes.js:3', 'POST /api/users routes.js:4']);
  });
});
