import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { Prisma, PrismaClient } from '@prisma/client';
import { User } from './user.entity';

@Injectable()
export class UsersRepository {
  private readonly prisma = new PrismaClient();

  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  async byEmail(email: string): Promise<User[]> {
    // ruleid: BL101
    return this.dataSource.query(`SELECT * FROM "user" WHERE email = '${email}'`);
  }

  async search(term: string): Promise<User[]> {
    const sql: string = `SELECT id, name FROM "user" WHERE name ILIKE '%${term}%'`;
    // ruleid: BL101
    return this.users.query(sql);
  }

  async deactivate(id: string): Promise<void> {
    // ruleid: BL101
    await this.prisma.$executeRawUnsafe('UPDATE "user" SET active = false WHERE id = ' + id);
  }

  async byOrg(orgId: string): Promise<User[]> {
    // ruleid: BL101
    return this.dataSource.manager.query(`SELECT * FROM "user" WHERE org_id = ${orgId} AND deleted_at IS NULL`);
  }

  async byDomain(domain: string): Promise<User[]> {
    // ruleid: BL101
    return this.dataSource.query(`SELECT id, email FROM "user" WHERE email LIKE '%@${domain}'`);
  }

  async activeSorted(column: 'name' | 'created_at'): Promise<User[]> {
    // ok: BL101
    return this.dataSource.query(`SELECT id, name FROM "user" WHERE status = 'active' ORDER BY ${column} LIMIT 100`);
  }

  async byEmailSafe(email: string): Promise<User[]> {
    // ok: BL101
    return this.dataSource.query('SELECT * FROM "user" WHERE email = $1', [email]);
  }

  async byEmailPrisma(email: string) {
    // ok: BL101
    return this.prisma.$queryRaw<User[]>(Prisma.sql`SELECT * FROM "user" WHERE email = ${email}`);
  }

  async fromPartition(partition: string, id: number): Promise<User[]> {
    // ok: BL101
    return this.dataSource.query(`SELECT * FROM ${partition} WHERE id = $1`, [id]);
  }

  async withBuilder(email: string): Promise<User | null> {
    // ok: BL101
    return this.users.createQueryBuilder('u').where('u.email = :email', { email }).getOne();
  }

  async unsafeWithParams(id: number): Promise<number> {
    // ok: BL101
    return this.prisma.$executeRawUnsafe('DELETE FROM sessions WHERE user_id = $1', id);
  }
}
