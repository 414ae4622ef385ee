import { Controller, Get, Param, Query } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { FastifyInstance } from 'fastify';
import { PrismaService } from '../prisma/prisma.service';
import { Invoice } from './invoice.entity';
import { PageQueryDto } from './dto/page-query.dto';

@Controller('invoices')
export class InvoicesController {
  constructor(
    @InjectRepository(Invoice) private readonly invoiceRepository: Repository<Invoice>,
    private readonly prisma: PrismaService,
  ) {}

  @Get()
  findAll(): Promise<Invoice[]> {
    // ruleid: BL402
    return this.invoiceRepository.find({ order: { issuedAt: 'DESC' } });
  }

  @Get('overdue')
  async overdue() {
    // ruleid: BL402
    const rows = await this.prisma.invoice.findMany({ where: { dueAt: { lt: new Date() }, paidAt: null } });
    return rows.map((r) => ({ id: r.id, amount: r.amount }));
  }

  @Get('page')
  page(@Query() query: PageQueryDto) {
    // ok: BL402
    return this.invoiceRepository.find({ skip: query.offset, take: query.limit });
  }

  @Get('recent')
  recent() {
    // ok: BL402
    return this.prisma.invoice.findMany({ orderBy: { issuedAt: 'desc' }, take: 20 });
  }

  @Get('by-customer')
  byCustomer(@Query('page') page: number) {
    // ok: BL402
    return this.invoiceRepository.find({ where: { status: 'open' } });
  }

  @Get(':id/lines')
  lines(@Param('id') id: string) {
    // ok: BL402
    return this.prisma.invoiceLine.findMany({ where: { invoiceId: id } });
  }
}

export async function routes(fastify: FastifyInstance): Promise<void> {
  fastify.get('/customers', async (request, reply) => {
    // ruleid: BL402
    const customers = await fastify.prisma.customer.findMany();
    return reply.send(customers);
  });

  fastify.get('/customers/search', async (request, reply) => {
    const { take = 25 } = request.query as { take?: number };
    // ok: BL402
    return fastify.prisma.customer.findMany({ take: Math.min(take, 100) });
  });
}
