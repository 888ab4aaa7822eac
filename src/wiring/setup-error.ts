/** A platform's settings are incomplete or wrong; the message names what to set. */
export class ChatPlatformSetupError extends Error {
  override name = 'ChatPlatformSetupError';
}
