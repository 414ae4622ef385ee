import { Body, Controller, Param, Patch, Post, Put } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { InjectRepository } from '@nestjs/typeorm';
import { Model } from 'mongoose';
import { Repository } from 'typeorm';
import Router from '@koa/router';
import { FastifyInstance } from 'fastify';
import { Cat, CatDocument } from './cat.schema';
import { Owner } from './owner.entity';
import { CreateCatDto } from './dto/create-cat.dto';
import { PrismaService } from '../prisma/prisma.service';

@Controller('cats')
export class CatsController {
  constructor(
    @InjectModel(Cat.name) private readonly catModel: Model<CatDocument>,
    @InjectRepository(Owner) private readonly ownerRepository: Repository<Owner>,
    private readonly prisma: PrismaService,
  ) {}

  @Post()
  create(@Body() body: any) {
    // ruleid: BL403
    return new this.catModel(body).save();
  }

  @Put('owners/:id')
  updateOwner(@Param('id') id: string, @Body() changes: Record<string, unknown>) {
    // ruleid: BL403
    return this.ownerRepository.update(id, changes);
  }

  @Post('toys')
  addToy(@Body() toy) {
    // ruleid: BL403
    return this.prisma.toy.create({ data: toy });
  }

  @Post('v2')
  createValidated(@Body() dto: CreateCatDto) {
    // ok: BL403
    return this.catModel.create(dto);
  }

  @Patch('owners/:id/name')
  rename(@Param('id') id: string, @Body('name') name: string) {
    // ok: BL403
    return this.ownerRepository.update(id, { name });
  }
}

const router = new Router();

router.post('/owners', async (ctx) => {
  // ruleid: BL403
  ctx.body = await Owner.create(ctx.request.body);
  ctx.status = 201;
});

export async function routes(fastify: FastifyInstance): Promise<void> {
  fastify.post('/cats', async (request, reply) => {
    // ruleid: BL403
    const cat = await fastify.prisma.cat.create({ data: request.body as Prisma.CatCreateInput });
    return reply.code(201).send(cat);
  });

  fastify.post(
    '/v2/cats',
    { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } }, additionalProperties: false } } },
    async (request, reply) => {
      // ok: BL403
      const cat = await fastify.prisma.cat.create({ data: request.body });
      return reply.code(201).send(cat);
    },
  );
}
