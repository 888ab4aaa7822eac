// Drives the pure flow like the service would, without any I/O: posts get message ids at
// once (fed back as `messagePosted`; `deliveryFailed` for the keys in `undeliverable`), every
// effect is recorded for the assertions.
import {
  DEFAULT_FLOW_CONFIG,
  reduce,
  startGeneration,
  type FlowConfig,
  type FlowEffect,
  type FlowEvent,
  type GenerationState,
  type VideoSettings,
} from '../../src/core/flow/index.js';

type EventInput = FlowEvent extends infer E
  ? E extends FlowEvent
    ? Omit<E, 'now'>
    : never
  : never;

export const ALICE = { id: 'u-alice', name: 'alice' };
export const BOB = { id: 'u-bob', name: 'bob' };
export const CAROL = { id: 'u-carol', name: 'carol' };
export const DAVE = { id: 'u-dave', name: 'dave' };
export const BOT = { id: 'u-bot', name: 'firstframe' };

export class FlowDriver {
  state: GenerationState;
  effects: FlowEffect[] = [];
  now = 1_000_000;
  /** Posts with these keys fail, with this reason for the requester. */
  undeliverable = new Map<string, string>();
  private nextMessage = 1;

  constructor(
    readonly config: FlowConfig = DEFAULT_FLOW_CONFIG,
    settings: Partial<VideoSettings> = {},
  ) {
    const transition = startGeneration(
      {
        id: 'gen1',
        platform: 'local',
        workspaceId: 'ws',
        channelId: 'chan',
        requester: ALICE,
        requestMessageId: 'm-request',
        settings: {
          prompt: 'a red circle',
          seed: 100,
          steps: 10,
          guidance: 5,
          scheduler: 'ddim',
          ...settings,
        },
      },
      this.now,
    );
    this.state = transition.state;
    this.absorb(transition.effects);
  }

  /** Applies an event; returns only the effects it produced. */
  send(event: EventInput): FlowEffect[] {
    const transition = reduce(this.state, { ...event, now: this.now } as FlowEvent, this.config);
    this.state = transition.state;
    return this.absorb(transition.effects);
  }

  /** Records effects; a keyed post's outcome is fed back and its own effects are included. */
  private absorb(effects: FlowEffect[]): FlowEffect[] {
    const all = [...effects];
    this.effects.push(...effects);
    for (const effect of effects) {
      if (effect.type === 'post' && effect.key) {
        const reason = this.undeliverable.get(effect.key);
        const outcome: FlowEvent =
          reason === undefined
            ? {
                type: 'messagePosted',
                now: this.now,
                key: effect.key,
                messageId: `m${this.nextMessage++}`,
              }
            : { type: 'deliveryFailed', now: this.now, key: effect.key, reason };
        const transition = reduce(this.state, outcome, this.config);
        this.state = transition.state;
        all.push(...this.absorb(transition.effects));
      }
    }
    return all;
  }

  get round() {
    const round = this.state.rounds.at(-1);
    if (!round) throw new Error('no round');
    return round;
  }

  roundMessage(number = this.round.number): string {
    const id = this.state.messages[`round:${number}`];
    if (!id) throw new Error(`round ${number} has no message`);
    return id;
  }

  /** Finishes the current candidates job: four images and a grid. */
  candidatesReady(): FlowEffect[] {
    const n = this.round.number;
    return this.send({
      type: 'candidatesReady',
      jobId: this.round.jobId,
      images: [1, 2, 3, 4].map((i) => `/art/gen1/r${n}-${i}.png`),
      grid: `/art/gen1/r${n}-grid.png`,
    });
  }

  react(
    user: { id: string; name: string },
    emoji: string,
    added = true,
    fromBot = false,
  ): FlowEffect[] {
    return this.send({
      type: 'reaction',
      messageId: this.roundMessage(),
      user,
      emoji,
      added,
      fromBot,
    });
  }

  advance(ms: number): void {
    this.now += ms;
  }
}

export function effectsOf<T extends FlowEffect['type']>(effects: FlowEffect[], type: T) {
  return effects.filter(
    (effect): effect is Extract<FlowEffect, { type: T }> => effect.type === type,
  );
}

/** A driver whose first round's grid is posted: its vote is open. */
export function votingDriver(config = DEFAULT_FLOW_CONFIG): FlowDriver {
  const driver = new FlowDriver(config);
  driver.candidatesReady();
  return driver;
}

/** The jobs `effects` enqueue. */
export function enqueued(effects: FlowEffect[]) {
  return effectsOf(effects, 'enqueue').map((effect) => effect.job);
}
