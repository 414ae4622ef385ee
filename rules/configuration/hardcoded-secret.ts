import { Module, Injectable } from '@nestjs/common';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { PassportStrategy } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { createClient } from 'redis';

@Module({
  imports: [
    JwtModule.register({
      // ruleid: BL301
      secret: 'n3st-jwt-s1gn1ng-k3y',
      signOptions: { expiresIn: '60s' },
    }),
    TypeOrmModule.forRoot({
      type: 'postgres',
      host: 'db.internal',
      username: 'shop',
      // ruleid: BL301
      password: 'sh0p-Pr0d-2024',
      database: 'shop',
    }),
  ],
})
export class AuthModule {}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // ruleid: BL301
      secretOrKey: 'topSecret51',
    });
  }
}

@Injectable()
export class TokenService {
  // ruleid: BL301
  private readonly apiKey: string = 'AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q';

  constructor(private readonly jwt: JwtService) {}

  sign(userId: string): string {
    // ruleid: BL301
    return this.jwt.sign({ sub: userId }, { secret: 'inline-0verride-k3y' });
  }

  signFromConfig(userId: string, secret: string): string {
    // ok: BL301
    return this.jwt.sign({ sub: userId }, { secret });
  }
}

// ok: BL301
export const cache = createClient({ url: process.env.REDIS_URL, password: process.env.REDIS_PASSWORD });

export const localCache = createClient({
  // ok: BL301
  url: 'redis://default:redis@localhost:6379',
});

export enum GrantType {
  // ok: BL301
  Password = 'password',
  // ok: BL301
  RefreshToken = 'refresh_token',
}

export interface Credentials {
  // ok: BL301
  password: string;
}

// ok: BL301
export const JWT_SECRET_ENV = 'JWT_SECRET';

export async function GET(request: Request) {
  // ok: BL301
  const res = await fetch(new URL("/api/me", request.url), { credentials: "include" });
  return res;
}

export const PasswordResetEmail = (props: { token: string }) => props.token;

PasswordResetEmail.PreviewProps = {
  origin: "https://app.example.org",
  // ok: BL301
  token: "Xk93jdQ0aZp2",
};

export const resetSettings = {
  // ok: BL301
  token: "1234567890",
  // ruleid: BL301
  apiToken: "Xk93jdQ0aZp2Lw",
};
