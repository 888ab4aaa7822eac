// The playground's HTTP API as a script uses it: the access token as a Bearer header, one
// signed session cookie per user name (made on first use, as the page does).
import type { WebMessage } from '../../../src/bots/web/web-adapter.js';

export class WebClient {
  private readonly sessions = new Map<string, Promise<string>>();

  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  /** Headers of a request as `user` (no session when undefined). */
  async headers(user?: string): Promise<Record<string, string>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (user !== undefined) headers.cookie = await this.session(user);
    return headers;
  }

  /** The session cookie (`ff_session=…`) of `user`, made once (concurrent callers share it). */
  session(user: string): Promise<string> {
    let cookie = this.sessions.get(user);
    if (!cookie) {
      cookie = this.login(user);
      this.sessions.set(user, cookie);
      cookie.catch(() => this.sessions.delete(user));
    }
    return cookie;
  }

  private async login(user: string): Promise<string> {
    const response = await fetch(new URL('/api/session', this.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: user }),
    });
    if (!response.ok) {
      throw new Error(`session for ${user}: ${response.status} ${await response.text()}`);
    }
    return sessionCookieOf(response);
  }

  /** A JSON POST as `user`; the response is returned whatever its status. */
  async post(route: string, body: unknown, user?: string): Promise<Response> {
    return fetch(new URL(route, this.url), {
      method: 'POST',
      headers: { ...(await this.headers(user)), 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  /**
   * Follows the event stream as `user`, keeping the latest version of each message, and in
   * `received` every version sent, in order.
   */
  follow(user: string) {
    const messages = new Map<string, WebMessage>();
    const received: WebMessage[] = [];
    const controller = new AbortController();
    void (async () => {
      const response = await fetch(new URL('/events', this.url), {
        headers: await this.headers(user),
        signal: controller.signal,
      });
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!data) continue;
          const parsed = JSON.parse(data) as WebMessage | WebMessage[];
          for (const message of Array.isArray(parsed) ? parsed : [parsed]) {
            messages.set(message.id, message);
            received.push(message);
          }
        }
      }
    })().catch(() => {});
    return {
      find: (pattern: RegExp) =>
        [...messages.values()].find((m) => m.author.isBot && pattern.test(m.text)),
      received,
      stop: () => controller.abort(),
    };
  }
}

/**
 * Opens `adminUrl` as a browser does and picks `name`: the cookies (access and an admin session
 * for `name`) as one Cookie header, and what POST /api/session answered.
 */
export async function adminLogin(
  adminUrl: string,
  name: string,
): Promise<{ cookie: string; session: unknown }> {
  const link = await fetch(adminUrl);
  if (!link.ok) throw new Error(`admin link: ${link.status}`);
  const access = link.headers
    .getSetCookie()
    .map((line) => line.split(';')[0]!)
    .find((pair) => pair.startsWith('ff_access='))!;
  const response = await fetch(new URL('/api/session', adminUrl), {
    method: 'POST',
    headers: { cookie: `${access}; ${sessionCookieOf(link)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (!response.ok) throw new Error(`admin session: ${response.status}`);
  return { cookie: `${access}; ${sessionCookieOf(response)}`, session: await response.json() };
}

export function sessionCookieOf(response: Response): string {
  const cookie = response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0]!)
    .find((pair) => pair.startsWith('ff_session='));
  if (!cookie) throw new Error('no session cookie in the response');
  return cookie;
}
