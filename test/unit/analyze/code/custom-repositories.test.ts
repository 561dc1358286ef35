import { describe, expect, it } from 'vitest';
import { scanTree } from './tree.ts';

const accesses = (model: { tableAccess: { module: string; table: string; mode: string }[] }) =>
  model.tableAccess.map((a) => `${a.module} ${a.mode} ${a.table}`).sort();

describe('TypeORM custom repositories', () => {
  it('@EntityRepository and `extends Repository<X>` classes: their own calls, getCustomRepository, and members typed by them', async () => {
    const model = await scanTree({
      'src/entities.ts': [
        "import { Entity, PrimaryGeneratedColumn } from 'typeorm';",
        "@Entity('accounts')",
        'export class Account { @PrimaryGeneratedColumn() id: number; }',
        '@Entity()',
        'export class AuditEntry { @PrimaryGeneratedColumn() id: number; }',
      ],
      'src/account.repository.ts': [
        "import { EntityRepository, Repository } from 'typeorm';",
        "import { Account } from './entities';",
        '@EntityRepository(Account)',
        'export class AccountRepository extends Repository<Account> {',
        '  active() {',
        "    return this.createQueryBuilder('a').where('a.active').getMany();",
        '  }',
        '}',
      ],
      'src/audit.repository.ts': [
        "import { Repository } from 'typeorm';",
        "import { AuditEntry } from './entities';",
        'export class AuditRepository extends Repository<AuditEntry> {',
        '  note(e: AuditEntry) { return this.save(e); }',
        '}',
      ],
      'src/accounts.service.ts': [
        "import { getCustomRepository } from 'typeorm';",
        "import { AccountRepository } from './account.repository';",
        "import { AuditRepository } from './audit.repository';",
        'export class AccountsService {',
        '  constructor(private readonly audits: AuditRepository, private readonly otherRepository: OtherRepository) {}',
        '  close(id: number) {',
        '    const accounts = getCustomRepository(AccountRepository);',
        '    this.otherRepository.find();',
        '    this.audits.insert({});',
        '    return accounts.delete(id);',
        '  }',
        '}',
        'class OtherRepository { find() { return []; } }',
      ],
    });
    expect(accesses(model)).toEqual([
      'src/account.repository.ts read accounts',
      'src/accounts.service.ts write accounts',
      'src/accounts.service.ts write audit_entry',
      'src/audit.repository.ts write audit_entry',
    ]);
    // A repository class is no table of its own.
    expect([...new Set((model.tables ?? []).map((t) => t.table))].sort()).toEqual(['accounts', 'audit_entry']);
  });

  it('a naming strategy of the project that names tables is warned about where it is declared; a plain subclass is not', async () => {
    const model = await scanTree({
      'src/naming.ts': [
        "import { DefaultNamingStrategy, NamingStrategyInterface } from 'typeorm';",
        'export class PluralNamingStrategy extends DefaultNamingStrategy implements NamingStrategyInterface {',
        '  tableName(className: string, customName?: string) { return customName ?? `${className.toLowerCase()}s`; }',
        '}',
        'export class ColumnsOnly extends DefaultNamingStrategy {',
        '  columnName(p: string) { return p; }',
        '}',
      ],
    });
    expect(model.warnings).toEqual([expect.stringMatching(/^src\/naming\.ts:2: TypeORM naming strategy PluralNamingStrategy overrides tableName: /)]);
  });
});
