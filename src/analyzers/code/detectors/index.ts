/** Every detector the code scan runs, in order. Adding a framework or a data-access style is adding one here. */
import type { CodeDetector } from './detector.ts';
import { drizzle } from './drizzle.ts';
import { express } from './express.ts';
import { fastify } from './fastify.ts';
import { knex } from './knex.ts';
import { kysely } from './kysely.ts';
import { nestjs } from './nestjs.ts';
import { nextjs } from './nextjs.ts';
import { rawSql } from './raw-sql.ts';

export const DETECTORS: readonly CodeDetector[] = [nestjs, express, fastify, nextjs, kysely, knex, drizzle, rawSql];
