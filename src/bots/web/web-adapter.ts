// The web playground as a chat platform: one channel, users named per browser tab, messages
// with attachments and reactions kept in memory, changes pushed to every listener (the HTTP
// server turns them into Server-Sent Events). It implements ChatAdapter like Discord and Slack.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkImageAttachments, detectImageType } from '../../core/commands/attachment.js';
import type { IncomingAttachment } from '../../core/commands/types.js';
import { REQUEST_LIMITS, type RequestLimits } from '../../core/contract.js';
import type {
  ChatAdapter,
  ChatHandlers,
  ChatUser,
  MessageRef,
  OutgoingMessage,
} from '../chat-adapter.js';

export const WEB_PLATFORM = 'local';
export const WEB_WORKSPACE = 'local';
export const WEB_CHANNEL = 'playground';

/** A message as the page sees it. */
export interface WebMessage {
  id: string;
  author: { name: string; isBot: boolean };
  text: string;
  attachments: { url: string; kind: 'image' | 'video' | 'gif' }[];
  /** In the order first added; `users` are the people (not the bot) who reacted. */
  reactions: { emoji: string; users: string[] }[];
  replyTo?: string;
  /** Only this user sees it (a command, its answer, a note); absent: everyone does. */
  visibleTo?: string;
  /** A grid whose vote is over: its reactions no longer count. */
  closed?: boolean;
  createdAt: number;
  editedAt?: number;
}

const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,24}$/;

/** An image picked in the page, sent along with a `/video` line. */
export interface WebUpload {
  name: string;
  contentType: string;
  data: Buffer;
}

const EXTENSIONS: Record<string, string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/webp': '.webp',
};
const HOUR_MS = 60 * 60 * 1000;

export class WebInputError extends Error {
  override name = 'WebInputError';
}

export class WebChatAdapter implements ChatAdapter {
  readonly platform = WEB_PLATFORM;
  private readonly messages = new Map<string, WebMessage>();
  /** Who reacted with what, bot included: message id → emoji → user names. */
  private readonly reactions = new Map<string, Map<string, Set<string>>>();
  /** Published attachments: URL id → local file, the oldest first (bounded by `maxFiles`). */
  private readonly files = new Map<string, string>();
  /** Names made admins at run time (a browser that opened the admin link). */
  private readonly grantedAdmins = new Set<string>();
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(message: WebMessage) => void>();
  private handlers: ChatHandlers | undefined;
  private nextId = 1;

  constructor(
    private readonly options: {
      admins: readonly string[];
      botName?: string;
      maxMessages?: number;
      /** Where uploaded images are saved (default: a folder in the system's temp dir). */
      uploadDir?: string;
      /** What the bot accepts as an uploaded image (the BotService's limits); checked before
       * anything is written. Default: the contract's limits. */
      limits?: Pick<RequestLimits, 'imageMaxBytes' | 'imageTypes' | 'imageMaxSide'>;
      /** Uploads older than this are deleted at start and every hour (default one day). */
      uploadMaxAgeMs?: number;
      /** How many attachment URLs stay served (default 2000; the oldest go first). */
      maxFiles?: number;
    },
  ) {}

  private get uploadDir(): string {
    return this.options.uploadDir ?? path.join(tmpdir(), 'firstframe-uploads');
  }

  get botName(): string {
    return this.options.botName ?? 'firstframe';
  }

  async start(handlers: ChatHandlers): Promise<void> {
    this.handlers = handlers;
    this.expireUploads();
    this.expiryTimer = setInterval(() => this.expireUploads(), HOUR_MS);
    this.expiryTimer.unref();
  }

  async stop(): Promise<void> {
    this.handlers = undefined;
    clearInterval(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  /** Deletes uploads older than `uploadMaxAgeMs` (and stops serving them); returns how many. */
  expireUploads(now = Date.now()): number {
    const cutoff = now - (this.options.uploadMaxAgeMs ?? 24 * HOUR_MS);
    let names: string[];
    try {
      names = readdirSync(this.uploadDir);
    } catch {
      return 0; // nothing uploaded yet
    }
    const removed = new Set<string>();
    for (const name of names) {
      const file = path.join(this.uploadDir, name);
      try {
        if (statSync(file).mtimeMs < cutoff) {
          unlinkSync(file);
          removed.add(file);
        }
      } catch {
        // gone already, or not ours to delete
      }
    }
    for (const [id, file] of this.files) if (removed.has(file)) this.files.delete(id);
    return removed.size;
  }

  /** Makes `name` an admin for this process (its browser opened the admin link). */
  markAdmin(name: string): void {
    this.grantedAdmins.add(name);
  }

  /** Every message the named user may see, oldest first. */
  history(userName: string): WebMessage[] {
    return [...this.messages.values()].filter((m) => !m.visibleTo || m.visibleTo === userName);
  }

  /** Calls back on every new or changed message; returns the unsubscribe function. */
  subscribe(listener: (message: WebMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The local file behind an attachment URL's id. */
  filePath(fileId: string): string | undefined {
    return this.files.get(fileId);
  }

  checkName(name: unknown): string {
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw new WebInputError(
        'the name must be 1 to 24 letters, digits, "_", "." or "-" (no spaces)',
      );
    }
    if (name.toLowerCase() === this.botName.toLowerCase()) {
      throw new WebInputError(`"${name}" is the bot's name; pick another one`);
    }
    return name;
  }

  /**
   * A user typed a line (maybe with an image) and it goes to the bot. Plain chat appears in the
   * channel; a command (`/…`) is seen only by the user who typed it, with its private answer,
   * until the bot accepts it as a request for everyone (a `/video`: the service's `announce`).
   * An image is written only once its bytes pass the bot's checks, and is shown (published under
   * /files/…) only when the bot accepts the request. A request refused for any reason (its
   * words, its options, the quota) has its image deleted at once.
   */
  async submit(userName: string, text: string, upload?: WebUpload): Promise<WebMessage> {
    const name = this.checkName(userName);
    const line = text.trim();
    if (line.length === 0 || line.length > 2000) {
      throw new WebInputError('the message must have 1 to 2000 characters');
    }
    if (upload && !/^\/video\b/i.test(line)) {
      throw new WebInputError('an image goes with a /video command (your own first frame)');
    }
    const attachment = upload ? this.saveUpload(upload) : undefined;
    const command = line.startsWith('/');
    const message = this.add({
      author: { name, isBot: false },
      text: line,
      ...(command ? { visibleTo: name } : {}),
    });
    let accepted = false;
    try {
      if (command) {
        await this.handlers?.command({
          workspaceId: WEB_WORKSPACE,
          channelId: WEB_CHANNEL,
          user: this.user(name),
          text: line,
          messageId: message.id,
          ...(attachment ? { attachments: [attachment] } : {}),
          announce: async () => {
            accepted = true;
            delete message.visibleTo;
            if (attachment) {
              message.attachments = [{ url: this.publish(attachment.path), kind: 'image' }];
            }
            this.changed(message.id);
            return message.id;
          },
        });
      }
    } finally {
      if (attachment && !accepted) rmSync(attachment.path, { force: true });
    }
    return message;
  }

  /** Checks an upload with the bot's own rules first: a refused file is never written. */
  private saveUpload(upload: WebUpload): IncomingAttachment {
    // The whole file is at hand: type, pixel size and completeness are all checked.
    const head = upload.data;
    const candidate = {
      name: upload.name,
      contentType: upload.contentType,
      sizeBytes: upload.data.length,
      head,
    };
    const problems = checkImageAttachments([{ ...candidate, path: '' }], {
      ...REQUEST_LIMITS,
      ...this.options.limits,
    });
    if (problems.length > 0) throw new WebInputError(problems.join('; '));
    mkdirSync(this.uploadDir, { recursive: true });
    // The name the user gave is kept for messages only; the file on disk gets our own name,
    // with the extension of what its bytes are.
    const file = path.join(
      this.uploadDir,
      `${randomUUID()}${EXTENSIONS[detectImageType(head) ?? ''] ?? ''}`,
    );
    writeFileSync(file, upload.data);
    return { ...candidate, path: file };
  }

  /** A user clicked a reaction: adds it, or takes it back if they had it. */
  async toggleReaction(userName: string, messageId: string, emoji: string): Promise<void> {
    const name = this.checkName(userName);
    const message = this.messages.get(messageId);
    // Another user's private message is not there for this one.
    if (!message || (message.visibleTo !== undefined && message.visibleTo !== name)) {
      throw new WebInputError(`no message ${messageId}`);
    }
    if (emoji.length === 0 || emoji.length > 16) throw new WebInputError('not an emoji');
    const users = this.usersOf(messageId, emoji);
    const added = !users.has(name);
    if (added) users.add(name);
    else users.delete(name);
    this.changed(messageId);
    await this.handlers?.reaction({
      workspaceId: WEB_WORKSPACE,
      channelId: WEB_CHANNEL,
      messageId,
      user: this.user(name),
      emoji,
      added,
    });
  }

  async post(channelId: string, message: OutgoingMessage): Promise<MessageRef> {
    const posted = this.add({
      author: { name: this.botName, isBot: true },
      text: message.text,
      attachments: (message.attachments ?? []).map((attachment) => ({
        url: this.publish(attachment.path),
        kind: attachment.kind,
      })),
      ...(message.replyTo ? { replyTo: message.replyTo } : {}),
      ...(message.visibleTo ? { visibleTo: message.visibleTo } : {}),
    });
    return { channelId, messageId: posted.id };
  }

  async edit(ref: MessageRef, text: string, options?: { closed?: boolean }): Promise<void> {
    const message = this.messages.get(ref.messageId);
    if (!message) return;
    message.text = text;
    if (options?.closed) message.closed = true;
    message.editedAt = Date.now();
    this.changed(ref.messageId);
  }

  async addReactions(ref: MessageRef, emojis: string[]): Promise<void> {
    for (const emoji of emojis) this.usersOf(ref.messageId, emoji).add(this.botName);
    this.changed(ref.messageId);
  }

  /** Unlike Discord, no reaction event follows (the flow ignores it anyway). */
  async removeReaction(ref: MessageRef, emoji: string, userId: string): Promise<void> {
    this.usersOf(ref.messageId, emoji).delete(userId);
    this.changed(ref.messageId);
  }

  async isAdmin(_workspaceId: string, userId: string): Promise<boolean> {
    return this.options.admins.includes(userId) || this.grantedAdmins.has(userId);
  }

  private user(name: string): ChatUser {
    return { id: name, name, isBot: false };
  }

  private add(
    fields: Omit<WebMessage, 'id' | 'createdAt' | 'reactions' | 'attachments'> &
      Partial<Pick<WebMessage, 'attachments'>>,
  ): WebMessage {
    const message: WebMessage = {
      id: `m${this.nextId++}`,
      attachments: [],
      reactions: [],
      createdAt: Date.now(),
      ...fields,
    };
    this.messages.set(message.id, message);
    this.trim();
    this.changed(message.id);
    return message;
  }

  /** Keeps memory bounded: the oldest messages leave the channel. */
  private trim(): void {
    const max = this.options.maxMessages ?? 500;
    for (const id of this.messages.keys()) {
      if (this.messages.size <= max) break;
      this.messages.delete(id);
      this.reactions.delete(id);
    }
  }

  private publish(filePath: string): string {
    const id = randomUUID();
    this.files.set(id, filePath);
    const max = this.options.maxFiles ?? 2000;
    for (const oldest of this.files.keys()) {
      if (this.files.size <= max) break;
      this.files.delete(oldest);
    }
    return `/files/${id}/${encodeURIComponent(path.basename(filePath))}`;
  }

  private usersOf(messageId: string, emoji: string): Set<string> {
    let byEmoji = this.reactions.get(messageId);
    if (!byEmoji) this.reactions.set(messageId, (byEmoji = new Map()));
    let users = byEmoji.get(emoji);
    if (!users) byEmoji.set(emoji, (users = new Set()));
    return users;
  }

  private changed(messageId: string): void {
    const message = this.messages.get(messageId);
    if (!message) return;
    const byEmoji = this.reactions.get(messageId) ?? new Map<string, Set<string>>();
    message.reactions = [...byEmoji]
      .map(([emoji, users]) => ({ emoji, users: [...users].filter((u) => u !== this.botName) }))
      .filter(
        (reaction) => reaction.users.length > 0 || byEmoji.get(reaction.emoji)?.has(this.botName),
      );
    for (const listener of this.listeners) listener(message);
  }
}
