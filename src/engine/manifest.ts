// model_index.json as docs/model-format.md defines it, validated with zod.
import { z } from 'zod';
import { SCHEDULERS } from '../core/contract.js';

/** The conditioning masks a video U-Net can be trained with (docs/model-format.md, "Masked uses"). */
export const VIDEO_MASKS = ['first', 'interpolate', 'continue'] as const;
export type VideoMask = (typeof VIDEO_MASKS)[number];

const dims = z.array(z.union([z.number().int(), z.string()]));
const componentSchema = z.object({
  path: z.string().min(1),
  inputs: z.record(z.string(), dims),
  outputs: z.record(z.string(), dims),
});

export const manifestSchema = z
  .object({
    _class_name: z.literal('FirstFramePipeline'),
    format_version: z.literal(1),
    name: z.string().min(1),
    image: z.object({
      height: z.number().int().positive(),
      width: z.number().int().positive(),
      channels: z.literal(3),
    }),
    video: z.object({ num_frames: z.number().int().positive(), fps: z.number().positive() }),
    latent: z.object({
      channels: z.number().int().positive(),
      height: z.number().int().positive(),
      width: z.number().int().positive(),
      scaling_factor: z.number().positive(),
    }),
    text: z.object({
      max_length: z.number().int().positive(),
      hidden_size: z.number().int().positive(),
      pad_token_id: z.number().int().min(0),
      unk_token: z.string().min(1),
    }),
    defaults: z
      .object({
        scheduler: z.enum(SCHEDULERS),
        num_inference_steps: z.number().int().positive(),
        // Steps for the first-frame candidates when they want more than the video (optional).
        image_num_inference_steps: z.number().int().positive().optional(),
        guidance_scale: z.number(),
        // Text guidance for the first-frame candidates when it differs from the video's (optional).
        first_frame_guidance_scale: z.number().optional(),
        image_guidance_scale: z.number(),
        guidance_rescale: z.number().min(0).max(1),
        // The video's own sampler when it differs from the first frames' (optional), and DDIM's eta
        // for it: a request that names no scheduler gets both, one that names one gets it plain.
        video_scheduler: z.enum(SCHEDULERS).optional(),
        video_eta: z.number().min(0).max(1).optional(),
        // DDIM's eta for the first frames (optional; `scheduler` must then be ddim).
        first_frame_eta: z.number().min(0).max(1).optional(),
        // Whether a video is interpolated to twice its frames and fps unless the request says
        // (optional; default false; the model must list "interpolate" in video_masks).
        interpolate: z.boolean().optional(),
      })
      .refine((d) => !d.video_eta || (d.video_scheduler ?? d.scheduler) === 'ddim', {
        message: 'video_eta applies only when the video scheduler is ddim',
        path: ['video_eta'],
      })
      .refine((d) => !d.first_frame_eta || d.scheduler === 'ddim', {
        message: 'first_frame_eta applies only when scheduler is ddim',
        path: ['first_frame_eta'],
      }),
    // The conditioning masks unet_video was trained with; without it ["first"] (image-to-video).
    video_masks: z
      .array(z.enum(VIDEO_MASKS))
      .min(1)
      .refine((masks) => new Set(masks).size === masks.length, 'video_masks lists a mask twice')
      .optional(),
    // What requests this model takes beyond the contract's own limits (optional): a smaller step
    // maximum, and the schedulers it was checked with.
    limits: z
      .object({
        max_inference_steps: z.number().int().positive().optional(),
        schedulers: z.array(z.enum(SCHEDULERS)).min(1).optional(),
      })
      .optional(),
    components: z.record(z.string(), componentSchema),
  })
  .refine((m) => !m.defaults.interpolate || videoMasksOf(m).includes('interpolate'), {
    message: 'defaults.interpolate needs "interpolate" in video_masks',
    path: ['defaults', 'interpolate'],
  });

export type Manifest = z.infer<typeof manifestSchema>;
export type ComponentSpec = z.infer<typeof componentSchema>;

/** The masks the model's unet_video takes: `video_masks`, or image-to-video only without it. */
export function videoMasksOf(manifest: {
  video_masks?: readonly VideoMask[] | undefined;
}): readonly VideoMask[] {
  return manifest.video_masks ?? ['first'];
}

/** The components the product needs, with the tensor names the contract fixes. */
export const REQUIRED_COMPONENTS = {
  text_encoder: { inputs: ['input_ids', 'attention_mask'], outputs: ['last_hidden_state'] },
  vae_encoder: { inputs: ['sample'], outputs: ['latent'] },
  vae_decoder: { inputs: ['latent'], outputs: ['sample'] },
  unet_image: { inputs: ['sample', 'timestep', 'encoder_hidden_states'], outputs: ['out_sample'] },
  unet_video: { inputs: ['sample', 'timestep', 'encoder_hidden_states'], outputs: ['out_sample'] },
} as const;

/** Components a model may add; the engine uses each one when it is there. */
export const OPTIONAL_COMPONENTS = {
  // The video's frames at once, [B, C, F, h, w] -> [B, 3, F, H, W] (a temporal decoder against
  // flicker); without it the video is decoded frame by frame with vae_decoder.
  vae_video_decoder: { inputs: ['latent'], outputs: ['sample'] },
} as const;

export type ComponentName = keyof typeof REQUIRED_COMPONENTS;
export const COMPONENT_NAMES = Object.keys(REQUIRED_COMPONENTS) as ComponentName[];
export type OptionalComponentName = keyof typeof OPTIONAL_COMPONENTS;
/** The I/O names every known component must have, required or optional. */
export const COMPONENT_IO = { ...REQUIRED_COMPONENTS, ...OPTIONAL_COMPONENTS };
export type KnownComponentName = keyof typeof COMPONENT_IO;
export const KNOWN_COMPONENT_NAMES = Object.keys(COMPONENT_IO) as KnownComponentName[];
