import { Controller, Get, Param, Post, Body } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import * as fs from 'fs';
import { readFileSync } from 'fs';
import { readFile } from 'fs/promises';
import { scryptSync, scrypt } from 'crypto';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

// ok: BL501
const banner: string = readFileSync('banner.txt', 'utf8');

@Controller('documents')
export class DocumentsController {
  @Get(':id')
  download(@Param('id') id: string): Buffer {
    // ruleid: BL501
    return fs.readFileSync(`/srv/documents/${id}.pdf`);
  }

  @Post('keys')
  derive(@Body() body: { secret: string; salt: string }): string {
    // ruleid: BL501
    return scryptSync(body.secret, body.salt, 64).toString('hex');
  }

  @Get(':id/text')
  async text(@Param('id') id: string): Promise<string> {
    // ok: BL501
    return readFile(`/srv/documents/${id}.txt`, 'utf8');
  }
}

@Injectable()
export class StartupConfig {
  // not a request handler: runs once when the provider is created
  // ok: BL501
  readonly settings = JSON.parse(fs.readFileSync('settings.json', 'utf8'));
}

export async function routes(fastify: FastifyInstance): Promise<void> {
  fastify.get('/manifest', async (request: FastifyRequest, reply: FastifyReply) => {
    // ruleid: BL501
    const manifest = JSON.parse(fs.readFileSync('/srv/manifest.json', 'utf8'));
    return reply.send(manifest);
  });

  fastify.post('/hash', async (request: FastifyRequest<{ Body: { value: string } }>, reply: FastifyReply) => {
    const key = await new Promise<Buffer>((resolve, reject) =>
      // ok: BL501
      scrypt(request.body.value, 'salt', 64, (err, derived) => (err ? reject(err) : resolve(derived))),
    );
    return reply.send({ key: key.toString('hex'), banner });
  });
}
