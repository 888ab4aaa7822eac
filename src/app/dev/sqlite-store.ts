// A small real store for the playground demo and the end-to-end tests: one SQLite file
// (better-sqlite3) holding generation states as JSON, a quota ledger and the audit log.
// The product's store is the Prisma data layer (src/db); this one keeps the same ports.
import Database from 'better-sqlite3';
import type { QuotaChange, QuotaPeriod } from '../../core/commands/types.js';
import type { GenerationState } from '../../core/flow/types.js';
import type {
  AuditEntry,
  AuditLog,
  FlowStore,
  HistoryPage,
  HistoryQuery,
  QuotaDecision,
  QuotaStatus,
  QuotaStore,
  QuotaSubject,
  QuotaWindow,
} from '../ports.js';
import { windowOf } from './quota-windows.js';

/** Limits used when no admin has set one; 0 = unlimited (as in the configuration). */
export interface DefaultLimits {
  userDaily: number;
  userMonthly: number;
  workspaceDaily: number;
  workspaceMonthly: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS generations (
  id TEXT PRIMARY KEY, platform TEXT NOT NULL, workspace_id TEXT NOT NULL,
  requester_id TEXT NOT NULL, phase TEXT NOT NULL, created_at INTEGER NOT NULL, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS quota_ledger (
  key TEXT PRIMARY KEY, platform TEXT NOT NULL, workspace_id TEXT NOT NULL, user_id TEXT NOT NULL,
  kind TEXT NOT NULL, state TEXT NOT NULL, amount INTEGER NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS quota_limits (
  platform TEXT NOT NULL, workspace_id TEXT NOT NULL, subject TEXT NOT NULL, period TEXT NOT NULL,
  max INTEGER, PRIMARY KEY (platform, workspace_id, subject, period));
CREATE TABLE IF NOT EXISTS quota_resets (
  platform TEXT NOT NULL, workspace_id TEXT NOT NULL, subject TEXT NOT NULL, reset_at INTEGER NOT NULL,
  PRIMARY KEY (platform, workspace_id, subject));
CREATE TABLE IF NOT EXISTS audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT, platform TEXT NOT NULL, workspace_id TEXT NOT NULL,
  actor_id TEXT NOT NULL, actor_name TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,
  allowed INTEGER NOT NULL, details TEXT, at INTEGER NOT NULL);
`;

/** The subject column for the workspace itself (user ids are never empty). */
const WORKSPACE = '';

export class SqliteStore implements FlowStore, QuotaStore, AuditLog {
  private readonly db: Database.Database;

  constructor(
    file: string,
    private readonly defaults: DefaultLimits,
  ) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  async saveGeneration(state: GenerationState): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO generations (id, platform, workspace_id, requester_id, phase, created_at, state)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET phase = excluded.phase, state = excluded.state`,
      )
      .run(
        state.id,
        state.platform,
        state.workspaceId,
        state.requester.id,
        state.phase,
        state.createdAt,
        JSON.stringify(state),
      );
  }

  async loadActiveGenerations(): Promise<GenerationState[]> {
    const rows = this.db
      .prepare(
        `SELECT state FROM generations WHERE phase NOT IN ('done', 'failed') ORDER BY created_at`,
      )
      .all() as { state: string }[];
    return rows.map((row) => JSON.parse(row.state) as GenerationState);
  }

  async history(query: HistoryQuery): Promise<HistoryPage> {
    const where = `platform = ? AND workspace_id = ?${query.userId === undefined ? '' : ' AND requester_id = ?'}`;
    const params = [
      query.platform,
      query.workspaceId,
      ...(query.userId === undefined ? [] : [query.userId]),
    ];
    const { total } = this.db
      .prepare(`SELECT COUNT(*) AS total FROM generations WHERE ${where}`)
      .get(...params) as {
      total: number;
    };
    const rows = this.db
      .prepare(
        `SELECT state FROM generations WHERE ${where} ORDER BY created_at DESC, id LIMIT ? OFFSET ?`,
      )
      .all(...params, query.pageSize, (query.page - 1) * query.pageSize) as { state: string }[];
    const items = rows.map((row) => {
      const state = JSON.parse(row.state) as GenerationState;
      return {
        id: state.id,
        prompt: state.settings.prompt,
        seed: state.settings.seed,
        requesterName: state.requester.name,
        phase: state.phase,
        createdAt: state.createdAt,
        ...(state.chosen ? { chosenSeed: state.chosen.seed } : {}),
        ...(state.result ? { videoPath: state.result.mp4 } : {}),
      };
    });
    return { items, page: query.page, total };
  }

  async reserve(key: string, subject: QuotaSubject, now: number): Promise<QuotaDecision> {
    // better-sqlite3 transactions are synchronous, so check-and-insert is atomic.
    const reserve = this.db.transaction((): QuotaDecision => {
      const existing = this.db.prepare(`SELECT state FROM quota_ledger WHERE key = ?`).get(key) as
        { state: string } | undefined;
      if (existing && existing.state !== 'refunded') return { ok: true };
      const status = this.statusNow(subject, now);
      for (const period of ['daily', 'monthly'] as const) {
        for (const scope of ['user', 'workspace'] as const) {
          const { used, limit, resetsAt } = status[scope][period];
          if (limit === null) continue;
          const allowed = limit + (scope === 'user' ? this.granted(subject, period, now) : 0);
          if (used >= allowed) return { ok: false, scope, period, limit: allowed, resetsAt };
        }
      }
      this.db
        .prepare(
          `INSERT INTO quota_ledger (key, platform, workspace_id, user_id, kind, state, amount, created_at)
           VALUES (?, ?, ?, ?, 'job', 'reserved', 1, ?)
           ON CONFLICT (key) DO UPDATE SET state = 'reserved', created_at = excluded.created_at`,
        )
        .run(key, subject.platform, subject.workspaceId, subject.userId, now);
      return { ok: true };
    });
    return reserve.immediate();
  }

  async commit(key: string): Promise<void> {
    this.db
      .prepare(`UPDATE quota_ledger SET state = 'committed' WHERE key = ? AND state = 'reserved'`)
      .run(key);
  }

  async refund(key: string): Promise<void> {
    this.db
      .prepare(`UPDATE quota_ledger SET state = 'refunded' WHERE key = ? AND state = 'reserved'`)
      .run(key);
  }

  async status(subject: QuotaSubject, now: number): Promise<QuotaStatus> {
    return this.statusNow(subject, now);
  }

  async change(
    workspace: { platform: string; workspaceId: string },
    change: QuotaChange,
    now: number,
  ): Promise<void> {
    const subject = change.target.kind === 'user' ? change.target.userId : WORKSPACE;
    const { platform, workspaceId } = workspace;
    switch (change.action) {
      case 'set':
        this.db
          .prepare(
            `INSERT INTO quota_limits (platform, workspace_id, subject, period, max) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (platform, workspace_id, subject, period) DO UPDATE SET max = excluded.max`,
          )
          .run(platform, workspaceId, subject, change.period, change.limit);
        return;
      case 'grant':
        this.db
          .prepare(
            `INSERT INTO quota_ledger (key, platform, workspace_id, user_id, kind, state, amount, created_at)
             VALUES (?, ?, ?, ?, 'grant', 'committed', ?, ?)`,
          )
          .run(`grant-${now}-${Math.random()}`, platform, workspaceId, subject, change.amount, now);
        return;
      case 'reset':
        this.db
          .prepare(
            `INSERT INTO quota_resets (platform, workspace_id, subject, reset_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (platform, workspace_id, subject) DO UPDATE SET reset_at = excluded.reset_at`,
          )
          .run(platform, workspaceId, subject, now);
        return;
    }
  }

  async record(entry: AuditEntry): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO audit_log (platform, workspace_id, actor_id, actor_name, action, target, allowed, details, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        entry.platform,
        entry.workspaceId,
        entry.actorId,
        entry.actorName,
        entry.action,
        entry.target,
        entry.allowed ? 1 : 0,
        entry.details === undefined ? null : JSON.stringify(entry.details),
        entry.at,
      );
  }

  /** The audit log, newest last (for tests and the demo). */
  auditEntries(): (Omit<AuditEntry, 'allowed'> & { allowed: number })[] {
    return this.db
      .prepare(
        `SELECT platform, workspace_id AS workspaceId, actor_id AS actorId, actor_name AS actorName,
                action, target, allowed, details, at FROM audit_log ORDER BY id`,
      )
      .all() as (Omit<AuditEntry, 'allowed'> & { allowed: number })[];
  }

  private limitOf(subject: QuotaSubject, who: string, period: QuotaPeriod): number | null {
    const row = this.db
      .prepare(
        `SELECT max FROM quota_limits WHERE platform = ? AND workspace_id = ? AND subject = ? AND period = ?`,
      )
      .get(subject.platform, subject.workspaceId, who, period) as
      { max: number | null } | undefined;
    if (row) return row.max;
    const fallback =
      who === WORKSPACE
        ? period === 'daily'
          ? this.defaults.workspaceDaily
          : this.defaults.workspaceMonthly
        : period === 'daily'
          ? this.defaults.userDaily
          : this.defaults.userMonthly;
    return fallback === 0 ? null : fallback;
  }

  private resetAt(subject: QuotaSubject, who: string): number {
    const row = this.db
      .prepare(
        `SELECT reset_at FROM quota_resets WHERE platform = ? AND workspace_id = ? AND subject = ?`,
      )
      .get(subject.platform, subject.workspaceId, who) as { reset_at: number } | undefined;
    return row?.reset_at ?? 0;
  }

  private used(subject: QuotaSubject, userId: string | undefined, since: number): number {
    const row = this.db
      .prepare(
        `SELECT COALESCE(SUM(amount), 0) AS used FROM quota_ledger
         WHERE platform = ? AND workspace_id = ? AND kind = 'job' AND state != 'refunded' AND created_at >= ?
         ${userId === undefined ? '' : 'AND user_id = ?'}`,
      )
      .get(
        subject.platform,
        subject.workspaceId,
        since,
        ...(userId === undefined ? [] : [userId]),
      ) as {
      used: number;
    };
    return row.used;
  }

  private granted(subject: QuotaSubject, period: QuotaPeriod, now: number): number {
    const row = this.db
      .prepare(
        `SELECT COALESCE(SUM(amount), 0) AS granted FROM quota_ledger
         WHERE platform = ? AND workspace_id = ? AND user_id = ? AND kind = 'grant' AND created_at >= ?`,
      )
      .get(subject.platform, subject.workspaceId, subject.userId, windowOf(period, now).start) as {
      granted: number;
    };
    return row.granted;
  }

  private statusNow(subject: QuotaSubject, now: number): QuotaStatus {
    const workspaceReset = this.resetAt(subject, WORKSPACE);
    const userReset = Math.max(workspaceReset, this.resetAt(subject, subject.userId));
    const window = (period: QuotaPeriod, who: 'user' | 'workspace'): QuotaWindow => {
      const { start, end } = windowOf(period, now);
      const since = Math.max(start, who === 'user' ? userReset : workspaceReset);
      return {
        used: this.used(subject, who === 'user' ? subject.userId : undefined, since),
        limit: this.limitOf(subject, who === 'user' ? subject.userId : WORKSPACE, period),
        resetsAt: end,
      };
    };
    return {
      user: { daily: window('daily', 'user'), monthly: window('monthly', 'user') },
      workspace: { daily: window('daily', 'workspace'), monthly: window('monthly', 'workspace') },
      granted: this.granted(subject, 'monthly', now),
    };
  }
}
