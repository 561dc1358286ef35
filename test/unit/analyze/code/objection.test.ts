import { describe, expect, it } from 'vitest';
import { scanTree } from './tree.ts';

describe('Objection models', () => {
  it('static tableName (property or getter) declares the table; Model.query() reads, a chain that patches/inserts writes', async () => {
    const model = await scanTree({
      'models/person.js': [
        "const { Model } = require('objection');",
        'class Person extends Model {',
        "  static get tableName() { return 'persons'; }",
        '}',
        'module.exports = Person;',
      ],
      'models/pet.ts': ["import { Model } from 'objection';", 'export class Pet extends Model {', "  static tableName = 'animals';", '}'],
      'models/helper.ts': ['export class Helper {', "  static tableName = 'not_a_model';", '}', "export class Other extends Base { tableName = 'instance_only'; }"],
      'routes/people.js': [
        "const Person = require('../models/person');",
        "const { Pet } = require('../models/pet');",
        'async function list() { return Person.query().where("age", ">", 3); }',
        'async function rename(id, name) { return Person.query().patch({ name }).where({ id }); }',
        'async function adopt(pet) { return Pet.query().insert(pet); }',
        'async function pets() { return Pet.relatedQuery("owner").for(1); }',
        'module.exports = { list, rename, adopt, pets };',
      ],
    });
    expect((model.tables ?? []).map((t) => `${t.table} ${t.via}`).sort()).toEqual(['animals objection', 'persons objection']);
    expect(model.tableAccess.filter((a) => a.module === 'routes/people.js').map((a) => `${a.mode} ${a.table}`).sort()).toEqual(['read animals', 'read persons', 'write animals', 'write persons']);
  });
});
