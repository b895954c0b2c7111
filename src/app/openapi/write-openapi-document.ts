import 'reflect-metadata';
import './documentation-environment';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from '../app.module';
import { useApiPrefix } from '../setup-app';
import { createOpenApiDocument } from './openapi-document';

/**
 * `npm run openapi`: the document without MySQL or Redis. Preview mode builds
 * the module graph and reads the controllers' metadata but instantiates no
 * provider, so the TypeORM, ioredis and Redlock factories never run.
 */
export async function buildOpenApiDocumentOffline(): Promise<OpenAPIObject> {
  const app = await NestFactory.create(AppModule, { preview: true, abortOnError: false, logger: false });
  try {
    useApiPrefix(app);
    return createOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** Stable text: 2-space JSON and a final newline, so a regenerated file diffs only where the API changed. */
export function openApiText(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** npm runs scripts from the package root; a path argument writes elsewhere (a test's scratch copy, say). */
const target = resolve(process.argv[2] ?? 'openapi.json');

if (require.main === module) {
  buildOpenApiDocumentOffline()
    .then((document) => {
      writeFileSync(target, openApiText(document));
      process.stdout.write(`wrote ${target}\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`openapi: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
}
