import {
  BadRequestException,
  Body,
  Controller,
  HttpException,
  HttpStatus,
  InternalServerErrorException,
  Logger,
  Post,
} from '@nestjs/common';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Request, Response, NextFunction } from 'express';
import { PaymentsService } from './payments.service';

@Controller('payments')
export class PaymentsController {
  private readonly logger = new Logger(PaymentsController.name);

  constructor(private readonly payments: PaymentsService) {}

  @Post()
  async charge(@Body() body: ChargeDto) {
    try {
      return await this.payments.charge(body);
    } catch (error) {
      // ruleid: BL201
      throw new InternalServerErrorException(error.message);
    }
  }

  @Post('refund')
  async refund(@Body() body: RefundDto) {
    try {
      return await this.payments.refund(body);
    } catch (e: unknown) {
      // ruleid: BL201
      throw new HttpException(`refund failed: ${e}`, HttpStatus.INTERNAL_SERVER_ERROR);
    }
  }

  @Post('validate')
  async validate(@Body() body: ChargeDto) {
    try {
      return await this.payments.validate(body);
    } catch (error) {
      // ok: BL201
      throw new BadRequestException(error.message);
    }
  }

  @Post('capture')
  async capture(@Body() body: ChargeDto) {
    try {
      return await this.payments.capture(body);
    } catch (error) {
      this.logger.error('capture failed', error.stack);
      // ok: BL201
      throw new InternalServerErrorException('Could not capture the payment');
    }
  }
}

export async function routes(fastify: FastifyInstance) {
  fastify.get('/balance', async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      return await fastify.payments.balance(request.user.id);
    } catch (err) {
      // ruleid: BL201
      return reply.code(500).send({ error: (err as Error).message });
    }
  });

  fastify.get('/limits', async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      return await fastify.payments.limits(request.user.id);
    } catch (err) {
      request.log.error(err);
      // ok: BL201
      return reply.code(500).send({ error: 'internal error' });
    }
  });
}

export function errorHandler(err: Error, req: Request, res: Response, next: NextFunction) {
  // ruleid: BL201
  res.status(500).json({ error: err.message, stack: err.stack });
}

export function safeErrorHandler(err: Error & { status?: number }, req: Request, res: Response, next: NextFunction) {
  req.log?.error(err);
  const status = err.status ?? 500;
  // ok: BL201
  res.status(status).json({ error: status < 500 ? err.message : 'Internal Server Error' });
}
