// What the /video flow needs from the bot in a channel, and how a lack of it is told: the
// one home of these permissions, for the preflight on each command (interaction.appPermissions)
// and for Discord's refusals later on (50013 Missing Permissions, 50001 Missing Access).
import { PermissionFlagsBits, type PermissionsBitField } from 'discord.js';

/** Discord's names for them, as its settings show them. */
const VIEW: Need = [PermissionFlagsBits.ViewChannel, 'View Channel'];
const SEND: Need = [PermissionFlagsBits.SendMessages, 'Send Messages'];
const SEND_IN_THREADS: Need = [
  PermissionFlagsBits.SendMessagesInThreads,
  'Send Messages in Threads',
];
const ATTACH: Need = [PermissionFlagsBits.AttachFiles, 'Attach Files'];
const REACT: Need = [PermissionFlagsBits.AddReactions, 'Add Reactions'];
const HISTORY: Need = [PermissionFlagsBits.ReadMessageHistory, 'Read Message History'];

type Need = readonly [bigint, string];

/**
 * The flow posts the status, the grid and the video (after the interaction token, as channel
 * messages replying to the request: Read Message History), and votes with reactions.
 */
function flowNeeds(inThread: boolean): Need[] {
  return [VIEW, inThread ? SEND_IN_THREADS : SEND, ATTACH, REACT, HISTORY];
}

/** The names of what the flow needs that `permissions` lacks, in the order Discord lists them. */
export function missingForFlow(
  permissions: Readonly<PermissionsBitField>,
  inThread = false,
): string[] {
  return flowNeeds(inThread)
    .filter(([flag]) => !permissions.has(flag))
    .map(([, name]) => name);
}

/**
 * What a message Discord refused (50001 Missing Access, 50013 Missing Permissions) most likely
 * lacked, when the channel's permissions tell nothing better.
 */
export function likelyMissing(code: 'access' | 'permissions', withFiles: boolean): string[] {
  const needs = code === 'access' ? [VIEW] : withFiles ? [ATTACH] : [VIEW, SEND];
  return needs.map(([, name]) => name);
}

/** "I can't make videos in #videos: give me Attach Files and Add Reactions". */
export function cannotMakeVideos(channelId: string, missing: readonly string[]): string {
  return `I can't make videos in <#${channelId}>: give me ${listInWords(missing)}`;
}

function listInWords(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
