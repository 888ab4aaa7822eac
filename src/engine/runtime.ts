// The opened model: one onnxruntime session per component, created once and reused, with
// typed helpers for each component's call (tensor layouts: docs/model-format.md).
import { float32, int64, openSession, type Session, type SessionSettings } from './backend.js';
import {
  KNOWN_COMPONENT_NAMES,
  type ComponentName,
  type OptionalComponentName,
} from './manifest.js';
import { checkSessionMatchesManifest, type ModelFolder } from './model-folder.js';
import { unetLanesOf, type EngineOptions } from './options.js';
import { VIDEO_UNET_ROWS } from './pipelines/video-sampling.js';
import { CANDIDATE_COUNT } from '../core/contract.js';
import { UnetLanes, runUnetCall } from './unet-lanes.js';

/** Every required component's session, and those of the optional ones the model has. */
type Sessions = Record<ComponentName, Session> & Partial<Record<OptionalComponentName, Session>>;

/** The components only animate() uses. */
const VIDEO_COMPONENTS = ['unet_video', 'vae_video_decoder'] as const;
type VideoComponent = (typeof VIDEO_COMPONENTS)[number];
type UnetName = 'unet_image' | 'unet_video';
const isUnet = (name: string): name is UnetName => name === 'unet_image' || name === 'unet_video';

/** What the runtime is opened with: the sessions' settings and how the U-Nets run. */
export type RuntimeSettings = SessionSettings &
  Partial<Pick<EngineOptions, 'deferVideoSessions' | 'unetLanes'>>;

/** Rows of each U-Net's calls: the video sampler's guidance rows; the candidates, with and
 * without the text. */
const UNET_ROWS: Record<UnetName, number> = {
  unet_video: VIDEO_UNET_ROWS,
  unet_image: 2 * CANDIDATE_COUNT,
};

/** How many lanes a U-Net's calls run in (EngineOptions.unetLanes, resolved for its rows). */
const laneCount = (name: UnetName, settings: RuntimeSettings) =>
  unetLanesOf({ ...settings, unetLanes: settings.unetLanes ?? 0 }, UNET_ROWS[name]);

/** Each U-Net's lanes with these settings (what the benches print). */
export const unetLaneCounts = (settings: RuntimeSettings): Record<UnetName, number> => ({
  unet_image: laneCount('unet_image', settings),
  unet_video: laneCount('unet_video', settings),
});

/** The U-Nets' sessions: one intra-op thread per lane when they run in lanes (unet-lanes.ts). */
function sessionSettingsOf(name: string, settings: RuntimeSettings): SessionSettings {
  if (!isUnet(name)) return settings;
  const lanes = laneCount(name, settings);
  if (lanes === 1) return settings;
  return { ...settings, intraOpThreads: Math.max(1, Math.floor(settings.intraOpThreads / lanes)) };
}

async function openChecked(
  folder: ModelFolder,
  name: ComponentName | OptionalComponentName,
  settings: RuntimeSettings,
): Promise<Session> {
  const spec = folder.manifest.components[name]!;
  const session = await openSession(
    `${folder.dir}/${spec.path}`,
    sessionSettingsOf(name, settings),
  );
  try {
    checkSessionMatchesManifest(name, spec, session);
  } catch (error) {
    await session.release();
    throw error;
  }
  return session;
}

export class ModelRuntime {
  /** Components opened on first use (`deferVideo`), each opened once. */
  private readonly deferred = new Map<VideoComponent, Promise<Session>>();
  /** The U-Nets' helper threads, opened with their session when the U-Nets run in lanes. */
  private readonly lanes = new Map<UnetName, Promise<UnetLanes>>();

  private constructor(
    readonly folder: ModelFolder,
    private readonly sessions: Sessions,
    private readonly options: RuntimeSettings,
  ) {}

  /**
   * Opens every component's session. With `deferVideoSessions`, the video components' are
   * opened when first used instead (the CLI: its first step then waits only for the image
   * components; a broken video component is then reported by animate(), not here).
   */
  static async open(folder: ModelFolder, options: RuntimeSettings): Promise<ModelRuntime> {
    const deferVideo = options.deferVideoSessions ?? false;
    const sessions = {} as Sessions;
    try {
      for (const name of KNOWN_COMPONENT_NAMES) {
        if (!folder.manifest.components[name]) continue; // an optional component it lacks
        if (deferVideo && (VIDEO_COMPONENTS as readonly string[]).includes(name)) continue;
        sessions[name] = await openChecked(folder, name, options);
      }
    } catch (error) {
      await Promise.all(Object.values(sessions).map((s) => s.release()));
      throw error;
    }
    const runtime = new ModelRuntime(folder, sessions, options);
    try {
      // Lanes start now for the U-Nets opened now (a deferred video U-Net's on its first call).
      for (const name of ['unet_image', 'unet_video'] as const) {
        if (sessions[name]) await runtime.lanesFor(name, sessions[name]);
      }
    } catch (error) {
      await runtime.close();
      throw error;
    }
    return runtime;
  }

  /** The U-Net's lanes (null: it runs in one), started on first use. */
  private async lanesFor(name: UnetName, session: Session): Promise<UnetLanes | null> {
    const count = laneCount(name, this.options);
    if (count === 1) return null;
    let opening = this.lanes.get(name);
    if (!opening) {
      const path = `${this.folder.dir}/${this.manifest.components[name]!.path}`;
      opening = UnetLanes.open(session, path, sessionSettingsOf(name, this.options), count);
      this.lanes.set(name, opening);
      opening.catch(() => this.lanes.delete(name)); // tried again on the next call
    }
    return opening;
  }

  /** A video component's session, opened now if it was deferred. */
  private async video(name: VideoComponent): Promise<Session> {
    const open = this.sessions[name];
    if (open) return open;
    let opening = this.deferred.get(name);
    if (!opening) {
      opening = openChecked(this.folder, name, this.options);
      this.deferred.set(name, opening);
      opening.then(
        (session) => (this.sessions[name] = session),
        () => this.deferred.delete(name),
      );
    }
    return opening;
  }

  get manifest() {
    return this.folder.manifest;
  }

  /** Prompts -> last_hidden_state [prompts.length, L, D]. */
  async encodeText(prompts: readonly string[]): Promise<Float32Array> {
    const { ids, mask } = this.folder.tokenizer.encodeBatch(prompts);
    const dims = [prompts.length, this.manifest.text.max_length];
    const out = await this.sessions.text_encoder.run({
      input_ids: int64(ids, dims),
      attention_mask: int64(mask, dims),
    });
    return out.last_hidden_state!.data;
  }

  /** Images [N, 3, H, W] in [-1, 1] -> scaled latents [N, C, h, w]. */
  async encodeImage(images: Float32Array, count: number): Promise<Float32Array> {
    const { height, width } = this.manifest.image;
    const out = await this.sessions.vae_encoder.run({
      sample: float32(images, [count, 3, height, width]),
    });
    const latent = out.latent!.data;
    const scale = this.manifest.latent.scaling_factor;
    if (scale !== 1) for (let i = 0; i < latent.length; i++) latent[i] = latent[i]! * scale;
    return latent;
  }

  /** Scaled latents [N, C, h, w] -> images [N, 3, H, W], about [-1, 1]. */
  async decode(latents: Float32Array, count: number): Promise<Float32Array> {
    const { channels, height, width } = this.manifest.latent;
    const out = await this.sessions.vae_decoder.run({
      latent: float32(this.unscaled(latents), [count, channels, height, width]),
    });
    return out.sample!.data;
  }

  /** Whether the model decodes videos with a temporal decoder (vae_video_decoder). */
  get hasVideoDecoder(): boolean {
    return this.manifest.components.vae_video_decoder !== undefined;
  }

  /** Scaled latents [1, C, F, h, w] -> frames [1, 3, F, H, W], about [-1, 1] (vae_video_decoder). */
  async decodeVideo(latents: Float32Array, frames: number): Promise<Float32Array> {
    if (!this.hasVideoDecoder)
      throw new Error(`model ${this.manifest.name} has no vae_video_decoder`);
    const session = await this.video('vae_video_decoder');
    const { channels, height, width } = this.manifest.latent;
    const out = await session.run({
      latent: float32(this.unscaled(latents), [1, channels, frames, height, width]),
    });
    return out.sample!.data;
  }

  /** Scaled latents (what the U-Nets see) -> the decoders' input: divided by scaling_factor. */
  private unscaled(latents: Float32Array): Float32Array {
    const scale = this.manifest.latent.scaling_factor;
    return scale === 1 ? latents : latents.map((x) => x / scale);
  }

  /** v-prediction of the text-to-image U-Net for a batch of [B, C, h, w] samples. */
  unetImage(
    sample: Float32Array,
    timesteps: Float32Array,
    context: Float32Array,
  ): Promise<Float32Array> {
    const { channels, height, width } = this.manifest.latent;
    return this.runUnet('unet_image', sample, [channels, height, width], timesteps, context);
  }

  /** v-prediction of the image-to-video U-Net; `sample` is [B, 2C+1, F, h, w]. */
  unetVideo(
    sample: Float32Array,
    frames: number,
    timesteps: Float32Array,
    context: Float32Array,
  ): Promise<Float32Array> {
    const { channels, height, width } = this.manifest.latent;
    return this.runUnet(
      'unet_video',
      sample,
      [2 * channels + 1, frames, height, width],
      timesteps,
      context,
    );
  }

  private async runUnet(
    name: UnetName,
    sample: Float32Array,
    sampleDims: number[],
    timesteps: Float32Array,
    context: Float32Array,
  ): Promise<Float32Array> {
    const { max_length, hidden_size } = this.manifest.text;
    const session = name === 'unet_video' ? await this.video(name) : this.sessions[name];
    const call = { sample, sampleDims, timesteps, context, contextDims: [max_length, hidden_size] };
    const lanes = await this.lanesFor(name, session);
    return lanes ? lanes.run(call) : runUnetCall(session, call);
  }

  async close(): Promise<void> {
    const deferred = [...this.deferred.values()].map((opening) => opening.catch(() => undefined));
    await Promise.all(deferred); // opened meanwhile: in `sessions` now
    const lanes = [...this.lanes.values()].map((opening) => opening.catch(() => null));
    await Promise.all(lanes.map(async (opening) => (await opening)?.close()));
    await Promise.all(Object.values(this.sessions).map((s) => s.release()));
  }
}
