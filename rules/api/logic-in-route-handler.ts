import { Body, Controller, Delete, Get, Injectable, Param, Post } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { PrismaService } from '../prisma/prisma.service';
import { Repository, DataSource } from 'typeorm';
import Router from '@koa/router';
import { FastifyInstance } from 'fastify';
import { User } from './user.entity';
import { UsersService } from './users.service';
import { CreateUserDto } from './dto/create-user.dto';

@Controller('users')
export class UsersController {
  constructor(
    @InjectRepository(User) private readonly userRepository: Repository<User>,
    private readonly prisma: PrismaService,
    private readonly dataSource: DataSource,
    private readonly usersService: UsersService,
  ) {}

  @Get()
  // ruleid: BL401
  async findAll(): Promise<User[]> {
    return this.userRepository.find({ take: 50 });
  }

  @Get(':id/orders')
  // ruleid: BL401
  async orders(@Param('id') id: string) {
    const orders = await this.prisma.order.findMany({ where: { userId: id }, take: 20 });
    return orders.map((o) => ({ id: o.id, total: o.total }));
  }

  @Delete(':id')
  // ruleid: BL401
  async remove(@Param('id') id: string): Promise<void> {
    await this.dataSource.query('DELETE FROM "user" WHERE id = $1', [id]);
  }

  @Post()
  // ok: BL401
  create(@Body() dto: CreateUserDto) {
    return this.usersService.create(dto);
  }

  @Get(':id')
  // ok: BL401
  findOne(@Param('id') id: string) {
    return this.usersService.findOne(id);
  }

  // not an HTTP method: a helper of the controller
  // ok: BL401
  private toView(user: User) {
    return { id: user.id, name: user.name };
  }
}

@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(User) private readonly userRepository: Repository<User>) {}

  // ok: BL401
  findAll(): Promise<User[]> {
    return this.userRepository.find({ take: 50 });
  }
}

const router = new Router();

// ruleid: BL401
router.get('/stats', async (ctx) => {
  const { rows } = await ctx.state.db.query('SELECT status, count(*) FROM orders GROUP BY status');
  ctx.body = rows;
});

// ok: BL401
router.get('/me', async (ctx) => {
  ctx.body = await ctx.state.users.profile(ctx.state.user.id);
});

export async function routes(fastify: FastifyInstance): Promise<void> {
  // ruleid: BL401
  fastify.post('/transfers', async (request, reply) => {
    const { from, to, amount } = request.body as { from: string; to: string; amount: number };
    await fastify.prisma.account.update({ where: { id: from }, data: { balance: { decrement: amount } } });
    await fastify.prisma.account.update({ where: { id: to }, data: { balance: { increment: amount } } });
    return reply.code(201).send({ ok: true });
  });

  // ok: BL401
  fastify.post('/payments', async (request, reply) => {
    const payment = await fastify.payments.create(request.body);
    return reply.code(201).send(payment);
  });
}
