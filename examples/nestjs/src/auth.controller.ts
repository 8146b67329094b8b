import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  Header,
  Headers,
  HttpCode,
  Post,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import type { Response } from 'express';
import { REFUSED_USERS, TokensService } from './tokens.service';

/** Login and refresh as a NestJS API has them, and the ticket endpoint ngx-auth-socket asks. */
@Controller('api')
export class AuthController {
  constructor(private readonly tokens: TokensService) {}

  /** Any user whose password is their name (an example, not an identity provider). */
  @Post('auth/login')
  @HttpCode(200)
  login(@Body() body: { username?: unknown; password?: unknown }) {
    if (typeof body?.username !== 'string' || body.username === '' || body.password !== body.username) {
      throw new UnauthorizedException('invalid credentials');
    }
    return this.tokens.issue(body.username);
  }

  /** Rotates the refresh token: each one works once. */
  @Post('auth/refresh')
  @HttpCode(200)
  refresh(@Body() body: { refresh_token?: unknown }) {
    const user = this.tokens.redeemRefresh(body?.refresh_token);
    if (user === null) throw new UnauthorizedException('invalid refresh token');
    return this.tokens.issue(user);
  }

  /** `GET /api/ws-ticket` with the Bearer access token: 401 for a bad one, 403 for a refused user. */
  @Get('ws-ticket')
  @Header('Cache-Control', 'no-store')
  ticket(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) res: Response) {
    const claims = this.tokens.verifyBearer(authorization);
    if (claims === null) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException();
    }
    if (REFUSED_USERS.has(claims.sub)) throw new ForbiddenException();
    return this.tokens.ticket(claims);
  }
}
