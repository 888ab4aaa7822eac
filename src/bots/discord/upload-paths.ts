// Which upload limit applies to a message, by the path it takes (through an interaction, or
// through the channel), and sending its files fitted to that limit. A size Discord refused as
// too large (40005: its limit was lower than the bot thought) lowers the limit assumed for that
// path for an hour (boosts change), so the flow's retry shrinks the video, or links it with the
// GIF preview.
import { stat } from 'node:fs/promises';
import { AttachmentBuilder, type Client } from 'discord.js';
import { DeliveryError, type OutgoingMessage } from '../chat-adapter.js';
import { isTooLargeError, VIDEO_TOO_LARGE } from './delivery-errors.js';
import type { InteractionReply } from './interaction-replies.js';
import { limitBelow, planUpload, uploadLimitOfTier, type ShrinkVideo } from './upload-limit.js';

/** How long a size Discord refused as too large lowers the limit assumed (boosts change). */
const REFUSED_SIZE_MEMORY_MS = 60 * 60_000;

export interface UploadPathOptions {
  client: Client;
  now: () => number;
  /** Our own cap on posted files, on top of each server's limit (MAX_UPLOAD_BYTES). */
  maxUploadBytes?: number | undefined;
  /** Makes an MP4 that is over the upload limit smaller (see ffmpegShrinker). */
  shrinkVideo?: ShrinkVideo | undefined;
  /** A link to a file kept on the bot's side, posted when the file cannot be uploaded. */
  artifactUrl?: ((file: string) => string | undefined) | undefined;
}

/** Sends the message's text (with notes on what was changed) and the files that fit. */
export type SendPlan = (content: string, files: AttachmentBuilder[]) => Promise<string>;

export class UploadPaths {
  /** Per upload path ('channel:<id>', 'interaction:<id>'): the limit assumed after a 40005. */
  private readonly refusedSizes = new Map<string, { bytes: number; at: number }>();

  constructor(private readonly options: UploadPathOptions) {}

  /**
   * Through the interaction: the channel's limit for this upload, as Discord sent it (it may
   * include the requester's Nitro).
   */
  throughInteraction(
    channelId: string,
    reply: InteractionReply,
    message: OutgoingMessage,
    send: SendPlan,
  ): Promise<string> {
    const limit = this.capped(reply.attachmentSizeLimit ?? this.tierLimit(channelId));
    return this.upload(`interaction:${reply.interaction.id}`, limit, message, send);
  }

  /**
   * Through the channel: the server's limit by its boost tier (the bot's own messages do not
   * get the requester's Nitro).
   */
  throughChannel(channelId: string, message: OutgoingMessage, send: SendPlan): Promise<string> {
    const limit = this.capped(this.tierLimit(channelId));
    return this.upload(`channel:${channelId}`, limit, message, send);
  }

  private async upload(
    path: string,
    limitBytes: number,
    message: OutgoingMessage,
    send: SendPlan,
  ): Promise<string> {
    const { now } = this.options;
    const refused = this.refusedSizes.get(path);
    const estimated =
      refused !== undefined &&
      refused.bytes < limitBytes &&
      now() - refused.at < REFUSED_SIZE_MEMORY_MS;
    const plan = await planUpload(message.attachments ?? [], {
      limitBytes: estimated ? refused.bytes : limitBytes,
      limitEstimated: estimated,
      shrinkVideo: this.options.shrinkVideo,
      artifactUrl: this.options.artifactUrl,
    });
    if (plan.videoUndelivered) {
      // Neither uploaded nor linked: the video would not reach anyone.
      throw new DeliveryError(VIDEO_TOO_LARGE);
    }
    const content = [message.text, ...plan.notes].join('\n');
    const files = plan.files.map((file) => new AttachmentBuilder(file.path, { name: file.name }));
    try {
      return await send(content, files);
    } catch (error) {
      if (isTooLargeError(error) && plan.files.length > 0) {
        const sizes = await Promise.all(
          plan.files.map(async (file) => (await stat(file.path)).size),
        );
        for (const [key, { at }] of this.refusedSizes) {
          if (now() - at >= REFUSED_SIZE_MEMORY_MS) this.refusedSizes.delete(key);
        }
        this.refusedSizes.set(path, { bytes: limitBelow(Math.max(...sizes)), at: now() });
      }
      throw error;
    }
  }

  private tierLimit(channelId: string): number {
    const channel = this.options.client.channels.cache.get(channelId);
    return uploadLimitOfTier(channel && 'guild' in channel ? channel.guild.premiumTier : undefined);
  }

  private capped(bytes: number): number {
    return Math.min(bytes, this.options.maxUploadBytes ?? Infinity);
  }
}
