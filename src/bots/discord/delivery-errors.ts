// Discord's refusals of a message, in words for the channel (DeliveryError.reason). The codes
// are Discord's JSON error codes (RESTJSONErrorCodes); a bare 413 is the upload proxy's.
import { DiscordAPIError, HTTPError, RESTJSONErrorCodes } from 'discord.js';
import { DeliveryError, type OutgoingMessage } from '../chat-adapter.js';

export const CANNOT_ATTACH = "I can't attach files in this channel: give me Attach Files";
export const CANNOT_SEND =
  "I can't post in this channel: give me View Channel and Send Messages there";

export const VIDEO_TOO_LARGE = 'the video is larger than this server accepts';

function tooLarge(message: OutgoingMessage): string {
  const video = message.attachments?.some((attachment) => attachment.kind === 'video');
  return video ? VIDEO_TOO_LARGE : 'the image is larger than this server accepts';
}

/** The DeliveryError for a refusal the channel can be told about; undefined for any other. */
export function deliveryErrorOf(
  error: unknown,
  message: OutgoingMessage,
): DeliveryError | undefined {
  const hasFiles = (message.attachments?.length ?? 0) > 0;
  if (error instanceof DiscordAPIError) {
    switch (error.code) {
      case RESTJSONErrorCodes.RequestEntityTooLarge:
        return new DeliveryError(tooLarge(message), { cause: error });
      case RESTJSONErrorCodes.MissingPermissions:
      case RESTJSONErrorCodes.MissingAccess:
        return new DeliveryError(hasFiles ? CANNOT_ATTACH : CANNOT_SEND, { cause: error });
    }
    if (error.status === 413) return new DeliveryError(tooLarge(message), { cause: error });
  }
  if (error instanceof HTTPError && error.status === 413) {
    return new DeliveryError(tooLarge(message), { cause: error });
  }
  return undefined;
}
