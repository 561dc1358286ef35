import { describe, expect, it } from 'vitest';
import { scanTree } from './tree.ts';

describe('dependency injection as calls between modules', () => {
  it('NestJS constructor injection by type: the controller calls the service, and its route reaches the tables the service uses', async () => {
    const model = await scanTree({
      'src/users/users.controller.ts': [
        "import { Controller, Get } from '@nestjs/common';",
        "import { UsersService } from './users.service';",
        "@Controller('users')",
        'export class UsersController {',
        '  constructor(private readonly usersService: UsersService, private readonly label: string) {}',
        '  @Get()',
        '  list() {',
        '    return this.usersService.findAll();',
        '  }',
        '}',
      ],
      'src/users/users.service.ts': [
        "import { Injectable } from '@nestjs/common';",
        "import { InjectRepository } from '@nestjs/typeorm';",
        "import { Repository } from 'typeorm';",
        "import { User } from './user.entity';",
        '@Injectable()',
        'export class UsersService {',
        '  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}',
        '  findAll() {',
        '    return this.users.find();',
        '  }',
        '}',
      ],
      'src/users/user.entity.ts': ["import { Entity, PrimaryGeneratedColumn } from 'typeorm';", "@Entity('app_users')", 'export class User {', '  @PrimaryGeneratedColumn() id: number;', '}'],
      'src/audit.service.ts': ['export class AuditService {', '  constructor(private readonly log: Console) {}', '  note() { this.log.info("x"); }', '}'],
    });
    expect(model.calls.map((c) => `${c.from} -> ${c.to}`)).toContain('src/users/users.controller.ts -> src/users/users.service.ts');
    const route = model.routes.find((r) => r.route === 'GET /users')!;
    expect(route.handler).toBe('src/users/users.controller.ts#UsersController.list');
    expect(route.tables?.map((t) => t.table)).toEqual(['app_users']);
    // A member typed by something that is not imported from the project is no call between modules.
    expect(model.calls.filter((c) => c.from === 'src/audit.service.ts')).toEqual([]);
  });

  it('awilix-style injection by registered name: constructor({ productService }) members call the class registered as productService', async () => {
    const model = await scanTree({
      'src/api/products.js': [
        "const express = require('express');",
        'const router = express.Router();',
        "router.get('/products', (req, res) => req.scope.resolve('productController').list(req, res));",
        'module.exports = router;',
      ],
      'src/controllers/product-controller.js': [
        'class ProductController {',
        '  constructor({ productService, logger }) {',
        '    this.productService_ = productService;',
        '    this.logger = logger;',
        '  }',
        '  list(req, res) { return this.productService_.listAll(); }',
        '}',
        'module.exports = ProductController;',
      ],
      'src/services/product.js': [
        "const { Product } = require('../models/product');",
        'class ProductService {',
        "  listAll() { return this.db.query('select * from products'); }",
        '}',
        'module.exports = ProductService;',
      ],
      'src/models/product.js': ['exports.Product = {};'],
    });
    expect(model.calls.map((c) => `${c.from} -> ${c.to}`)).toContain('src/controllers/product-controller.js -> src/services/product.js');
    // `logger` is registered by no class of the project: no call.
    expect(model.calls.filter((c) => c.from === 'src/controllers/product-controller.js')).toHaveLength(1);
    const list = model.functions!.find((f) => f.key === 'src/controllers/product-controller.js#ProductController.list')!;
    expect(list.calls).toEqual(['src/services/product.js#ProductService.listAll']);
  });
});
