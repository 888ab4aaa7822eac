// Slack's refusals of a message or a file upload (the Web API's `error` codes), in words for
// the channel (DeliveryError.reason).
import { webApi } from '@slack/bolt';
import { DeliveryError } from '../chat-adapter.js';

const NOT_IN_CHANNEL = "I'm not in this channel: invite me with /invite";
const NOT_ALLOWED = "I'm not allowed to post in this channel";
const UPLOADS_OFF = 'file uploads are turned off in this workspace';
const UPLOAD_REFUSED = 'Slack did not take the file upload';
const RATE_LIMITED = 'Slack asked me to slow down; try again in a minute';

const REASONS: Readonly<Record<string, string>> = {
  not_in_channel: NOT_IN_CHANNEL,
  channel_not_found: NOT_IN_CHANNEL,
  is_archived: 'this channel is archived',
  restricted_action: NOT_ALLOWED,
  restricted_action_read_only_channel: NOT_ALLOWED,
  restricted_action_thread_only_channel: NOT_ALLOWED,
  restricted_action_non_threadable_channel: NOT_ALLOWED,
  missing_scope:
    "I'm missing a Slack permission (files:write, chat:write): ask an admin to reinstall me",
  file_uploads_disabled: UPLOADS_OFF,
  file_uploads_except_images_disabled: UPLOADS_OFF,
  ratelimited: RATE_LIMITED,
};

/** The `error` code of a failed Web API call (`not_in_channel`, `already_reacted`, …). */
export function slackError(error: unknown): string | undefined {
  const data = (error as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/**
 * The DeliveryError for a Slack refusal; any other Slack error of a file upload, or a refused
 * upload of the bytes, says the upload was refused. Undefined for other errors (the caller
 * keeps those).
 */
export function deliveryErrorOf(error: unknown, withFiles: boolean): DeliveryError | undefined {
  if (wasRateLimited(error)) return new DeliveryError(RATE_LIMITED, { cause: error });
  const code = slackError(error);
  if (code === undefined) {
    // No answer from Slack: the HTTP request or the bytes sent to the upload URL failed.
    const upload = withFiles && isUploadFailure(error);
    return upload ? new DeliveryError(UPLOAD_REFUSED, { cause: error }) : undefined;
  }
  const reason = REASONS[code] ?? (withFiles ? UPLOAD_REFUSED : undefined);
  return reason === undefined
    ? undefined
    : new DeliveryError(reason, {
        cause: error,
        permanent: code in REASONS && code !== 'ratelimited',
      });
}

/** The WebClient's own errors for a request or an upload that got no answer from the API. */
function isUploadFailure(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === 'slack_webapi_http_error' ||
    code === 'slack_webapi_request_error' ||
    /^(Failed to upload file|No upload url found)/.test(String(message))
  );
}

/**
 * Seconds Slack asked to wait, when a call was refused with HTTP 429 by a WebClient that
 * rejects rate-limited calls (`rejectRateLimitedCalls`) instead of pausing its queue.
 */
export function rateLimitOf(error: unknown): number | undefined {
  const { code, retryAfter } = (error ?? {}) as { code?: unknown; retryAfter?: unknown };
  if (code !== webApi.ErrorCode.RateLimitedError) return undefined;
  return typeof retryAfter === 'number' ? retryAfter : 0;
}

/**
 * A call that was still rate limited (HTTP 429) when its retries ran out: rejected at once
 * (rateLimitOf), or, from a client that waits out Retry-After, the error it ends with.
 */
function wasRateLimited(error: unknown): boolean {
  if (rateLimitOf(error) !== undefined) return true;
  const { code, original } = (error ?? {}) as { code?: unknown; original?: { message?: unknown } };
  return (
    code === webApi.ErrorCode.RequestError &&
    /^A rate limit was exceeded/.test(String(original?.message))
  );
}
