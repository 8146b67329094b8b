import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { TicketWsAdapter } from './ticket-ws.adapter';
import { TokensService } from './tokens.service';

/**
 * PORT (default 3000; 0 picks a free one), HOST (default 127.0.0.1), TOKEN_TTL_S (access token
 * lifetime, default 300), JWT_SECRET, STATIC_DIR (an app to serve from /, same origin as the API).
 */
async function main(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { logger: ['error', 'warn'] });
  app.useWebSocketAdapter(new TicketWsAdapter(app, app.get(TokensService)));
  const staticDir = process.env['STATIC_DIR'];
  if (staticDir) app.useStaticAssets(staticDir);
  await app.listen(Number(process.env['PORT'] ?? 3000), process.env['HOST'] ?? '127.0.0.1');
  console.log(`listening on ${await app.getUrl()}`);
}

void main();
