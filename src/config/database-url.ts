// Reads DATABASE_URL into the database kind the data layer should use.
import path from 'node:path';

export type DatabaseTarget =
  | { kind: 'sqlite'; url: string; file: string }
  | { kind: 'postgresql'; url: string; schema: string | undefined };

/** Returns the target, or a sentence saying what is wrong with the URL. */
export function parseDatabaseUrl(url: string, baseDir: string): DatabaseTarget | string {
  if (url.startsWith('file:')) {
    const file = url.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
    if (file.length === 0 || file.includes('?')) {
      return 'a SQLite URL is file:<path> (no query string)';
    }
    const absolute = path.resolve(baseDir, file);
    return { kind: 'sqlite', url: `file:${absolute}`, file: absolute };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'not a valid URL';
    }
    if (!parsed.hostname) return 'the PostgreSQL URL has no host';
    if (parsed.pathname.length <= 1) return 'the PostgreSQL URL names no database (…/dbname)';
    return { kind: 'postgresql', url, schema: parsed.searchParams.get('schema') ?? undefined };
  }
  return 'unknown scheme';
}

/** The URL with any password replaced, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}
