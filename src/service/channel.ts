// What is under way in one chat channel (`/info`, `/video vary`, `/video extend`).
import type { GenerationState } from '../core/flow/index.js';
import type { ChannelRef } from './ports.js';

/** The generations of `open` posted in `channel`. */
export function inChannel(
  open: readonly GenerationState[],
  channel: ChannelRef,
): GenerationState[] {
  return open.filter(
    (state) =>
      state.platform === channel.platform &&
      state.workspaceId === channel.workspaceId &&
      state.channelId === channel.channelId,
  );
}
