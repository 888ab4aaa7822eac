// Whether a `/video extend` may go ahead, checked before any quota is held: the story's own
// rules (core/flow/story.ts), then what only the stores know.
import type { ExtendRule } from '../core/commands/index.js';
import {
  clipUnderWay,
  extendProblem,
  type FlowConfig,
  type GenerationState,
  type Person,
} from '../core/flow/index.js';
import { inChannel } from './channel.js';
import type { ChannelRef, FlowStore, JobQueue } from './ports.js';

/** Why `user` may not continue `previous`, the channel's newest video, now; undefined: go. */
export async function extendRefusal(
  deps: { store: FlowStore; queue: JobQueue },
  here: ChannelRef,
  previous: GenerationState | undefined,
  user: Person,
  rule: ExtendRule,
  config: Pick<FlowConfig, 'maxStoryClips'>,
): Promise<string | undefined> {
  if (!previous) {
    return 'there is no video in this channel to extend yet: make one with /video <prompt>';
  }
  const problem = extendProblem(previous, user, rule, config);
  if (problem) return problem;
  // A story goes on one clip at a time: a second extend would start a parallel branch.
  const open = inChannel(await deps.store.loadActiveGenerations(), here);
  const underWay = clipUnderWay(previous, open);
  if (underWay) return underWay;
  if (!(await deps.queue.canRead(previous.result?.mp4 ?? ''))) {
    return `the newest video here ("${previous.settings.prompt}") is no longer stored, so it cannot be continued; start a new story with /video <prompt>`;
  }
  return undefined;
}
