import { Injectable, Logger } from '@nestjs/common';
import { Cache } from 'cache-manager';
import { Repository } from 'typeorm';
import { AuditEvent } from './audit-event.entity';

@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(private readonly events: Repository<AuditEvent>, private readonly cache: Cache) {}

  async record(event: AuditEvent): Promise<void> {
    try {
      await this.events.save(event);
    // ruleid: BL202
    } catch (e: unknown) {}
  }

  async cached(key: string): Promise<string | undefined> {
    // ruleid: BL202
    return this.cache.get<string>(key).catch((_err: unknown) => undefined);
  }

  async count(): Promise<number> {
    try {
      return await this.events.count();
    // ruleid: BL202
    } catch {
      return 0;
    }
  }

  async purge(before: Date): Promise<void> {
    // ruleid: BL202
    await this.events.delete({ createdAt: before }).catch(() => {});
  }

  async safeRecord(event: AuditEvent): Promise<void> {
    try {
      await this.events.save(event);
    // ok: BL202
    } catch (error: unknown) {
      this.logger.error('audit event lost', error instanceof Error ? error.stack : String(error));
    }
  }

  async invalidate(key: string): Promise<void> {
    // ok: BL202
    await this.cache.del(key).catch((err: Error) => this.logger.warn(`cache del failed: ${err.message}`));
  }

  parsePayload(raw: string): Record<string, unknown> | null {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    // ok: BL202
    } catch {
      return null;
    }
  }

  async mustCount(): Promise<number> {
    try {
      return await this.events.count();
    // ok: BL202
    } catch (err) {
      throw new Error('audit store unavailable', { cause: err });
    }
  }
}
