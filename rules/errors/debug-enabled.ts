import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { ApolloServer } from '@apollo/server';
import { NextFunction, Request, Response } from 'express';

@Module({
  imports: [
    // ruleid: BL203
    GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: ApolloDriver,
      autoSchemaFile: true,
      debug: true,
      playground: true,
    }),
  ],
})
export class GraphqlModule {}

@Module({
  imports: [
    // ok: BL203
    GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: ApolloDriver,
      autoSchemaFile: true,
      includeStacktraceInErrorResponses: process.env.NODE_ENV !== 'production',
    }),
  ],
})
export class SafeGraphqlModule {}

// ruleid: BL203
export const server = new ApolloServer({ typeDefs, resolvers, includeStacktraceInErrorResponses: true });

export function errorHandler(err: Error, req: Request, res: Response, next: NextFunction): void {
  // ruleid: BL203
  res.status(500).send({ error: 'internal', trace: err.stack });
}

export function devErrorHandler(err: Error, req: Request, res: Response, next: NextFunction): void {
  const isDev = req.app.get('env') === 'development';
  // ok: BL203
  res.status(500).send({ error: 'internal', trace: isDev ? err.stack : undefined });
}
