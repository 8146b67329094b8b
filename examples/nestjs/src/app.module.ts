import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { randomBytes } from 'node:crypto';
import { AuthController } from './auth.controller';
import { ChatGateway } from './chat.gateway';
import { TokensService } from './tokens.service';

@Module({
  imports: [JwtModule.register({ secret: process.env['JWT_SECRET'] ?? randomBytes(32).toString('hex') })],
  controllers: [AuthController],
  providers: [TokensService, ChatGateway],
})
export class AppModule {}
