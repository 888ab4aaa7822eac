// Who may use the playground, and as whom (the Jupyter pattern):
// - an access token, random per process, printed in the URL `npm start` shows; it arrives once
//   as `?token=` and is then kept in an HttpOnly cookie (scripts may send `Authorization: Bearer`);
// - an admin token, printed in a second URL: the browser that opens it is an admin;
// - a session cookie per browser, signed with a per-process HMAC secret, naming the user the
//   browser picked. The API takes the user from it, never from a request's body or query.
// A process restart makes new tokens and a new secret: every cookie of the old one is void.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const ACCESS_COOKIE = 'ff_access';
export const SESSION_COOKIE = 'ff_session';

export interface Session {
  /** One id per browser, kept when it changes name (so it can take its old names back). */
  browser: string;
  /** Undefined until the browser picks a name. */
  name?: string;
  admin: boolean;
}

/** Compares secrets in constant time. */
export function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function cookiesOf(request: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) cookies.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return cookies;
}

/** `Set-Cookie` for a cookie only this site's pages send, and no script reads. */
export function cookie(name: string, value: string): string {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Strict`;
}

export function bearerOf(request: IncomingMessage): string | undefined {
  return /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
}

export class PlaygroundAccess {
  readonly token: string;
  readonly adminToken: string;
  private readonly secret = randomBytes(32);

  constructor(options: { token?: string; adminToken?: string } = {}) {
    this.token = options.token ?? randomBytes(24).toString('base64url');
    this.adminToken = options.adminToken ?? randomBytes(24).toString('base64url');
  }

  isToken(value: string | undefined | null): boolean {
    return typeof value === 'string' && sameText(value, this.token);
  }

  isAdminToken(value: string | undefined | null): boolean {
    return typeof value === 'string' && sameText(value, this.adminToken);
  }

  /** The request carries the access token (cookie or Bearer header; `?token=` on pages only). */
  allows(request: IncomingMessage): boolean {
    return this.isToken(cookiesOf(request).get(ACCESS_COOKIE)) || this.isToken(bearerOf(request));
  }

  sign(session: Session): string {
    const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The session in the request's cookie, when its signature is this process's. */
  sessionOf(request: IncomingMessage): Session | undefined {
    const [payload, mac, extra] = (cookiesOf(request).get(SESSION_COOKIE) ?? '').split('.');
    if (!payload || !mac || extra !== undefined || !sameText(mac, this.mac(payload))) {
      return undefined;
    }
    try {
      const value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Session;
      return typeof value.browser === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }

  newSession(admin = false): Session {
    return { browser: randomUUID(), admin };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}
