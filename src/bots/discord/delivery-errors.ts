// Discord's refusals of a message, in words for the channel (DeliveryError.reason). The codes
// are Discord's JSON error codes (RESTJSONErrorCodes); a bare 413 is the upload proxy's.
import { DiscordAPIError, HTTPError, RESTJSONErrorCodes } from 'discord.js';
import { DeliveryError, type OutgoingMessage } from '../chat-adapter.js';
import { cannotMakeVideos, likelyMissing } from './permissions.js';

export const VIDEO_TOO_LARGE = 'the video is larger than this server accepts';

function tooLarge(message: OutgoingMessage): string {
  const video = message.attachments?.some((attachment) => attachment.kind === 'video');
  return video ? VIDEO_TOO_LARGE : 'the image is larger than this server accepts';
}

/** Discord refused a file as too large (40005, or the upload proxy's bare 413). */
export function isTooLargeError(error: unknown): boolean {
  if (error instanceof DiscordAPIError) {
    return error.code === RESTJSONErrorCodes.RequestEntityTooLarge || error.status === 413;
  }
  return error instanceof HTTPError && error.status === 413;
}

export interface RefusalContext {
  channelId: string;
  /** What the flow needs that the bot lacks in the channel, as far as the bot knows. */
  missing: readonly string[];
}

/** The DeliveryError for a refusal the channel can be told about; undefined for any other. */
export function deliveryErrorOf(
  error: unknown,
  message: OutgoingMessage,
  context: RefusalContext,
): DeliveryError | undefined {
  if (isTooLargeError(error)) return new DeliveryError(tooLarge(message), { cause: error });
  if (
    error instanceof DiscordAPIError &&
    (error.code === RESTJSONErrorCodes.MissingPermissions ||
      error.code === RESTJSONErrorCodes.MissingAccess)
  ) {
    // Named from the channel's permissions when the bot knows them, else from what this
    // message needed (its files: Attach Files).
    const hasFiles = (message.attachments?.length ?? 0) > 0;
    const code = error.code === RESTJSONErrorCodes.MissingAccess ? 'access' : 'permissions';
    const missing = context.missing.length > 0 ? context.missing : likelyMissing(code, hasFiles);
    return new DeliveryError(cannotMakeVideos(context.channelId, missing), {
      cause: error,
      permanent: true,
    });
  }
  return undefined;
}
