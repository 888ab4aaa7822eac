"""Reference sampler in PyTorch: text -> first frame (text-to-image U-Net) and
first frame + text -> video (image-to-video U-Net), with classifier-free guidance exactly as
docs/model-format.md states. The TypeScript engine must reproduce these numbers (parity
fixtures are written from this code)."""
import numpy as np
import torch

from .schedule import SCHEDULER_CONFIG, TrainingSchedule
from .schedulers import make_scheduler, rescale_noise_cfg
from .config import LATENT_SIZE, VIDEO_FRAMES
from .train_video import image_conditioning, masked_conditioning


class UnknownWordsError(ValueError):
    pass


def _fresh_noise(noise, eta, generator):
    """A stochastic step's unit noise, the shape of `noise`, from `generator` (None when eta is 0:
    nothing is drawn, so deterministic runs keep their generator's sequence)."""
    return torch.randn(noise.shape, generator=generator).to(noise.device) if eta else None


class ReferencePipeline:
    def __init__(self, bundle, scheduler_config: dict = SCHEDULER_CONFIG):
        self.b = bundle
        self.scheduler_config = scheduler_config

    # 1. prompts -> text embeddings
    @torch.no_grad()
    def encode_prompts(self, prompts):
        for prompt in prompts:
            unknown = self.b.tokenizer.unknown_words(prompt)
            if unknown:
                known = ", ".join(sorted(w for w in self.b.tokenizer.vocab if not w.startswith("[")))
                raise UnknownWordsError(f"unknown words {unknown} in {prompt!r}; known words: {known}")
        ids, mask = self.b.tokenizer.encode_batch(prompts)
        device = next(self.b.text_encoder.parameters()).device
        return self.b.text_encoder(ids.to(device), mask.to(device))

    @torch.no_grad()
    def encode_image(self, image):
        """image [N, 3, 64, 64] in [-1, 1] -> scaled latent [N, 4, 16, 16]."""
        return self.b.autoencoder.encoder(image) * self.b.scaling_factor

    @torch.no_grad()
    def decode(self, latents):
        """scaled latents [N, 4, 16, 16] -> images [N, 3, 64, 64] about [-1, 1]."""
        return self.b.autoencoder.decoder(latents / self.b.scaling_factor)

    # 2. text -> first frame
    @torch.no_grad()
    def text_to_image(self, prompt, noise, scheduler="dpmpp_2m", steps=15, guidance_scale=5.0,
                      guidance_rescale=0.0, trace=None, eta=0.0, generator=None):
        """noise: unit Gaussian [1, 4, 16, 16]. Returns (scaled latent, image [1, 3, 64, 64]).
        eta > 0 (DDIM only): each step adds fresh noise drawn from `generator`."""
        context = self.encode_prompts(["", prompt])  # (no text, text)
        sched = make_scheduler(scheduler, self.scheduler_config, eta)
        sched.set_timesteps(steps)
        sample = noise * sched.init_noise_sigma
        for t in sched.timesteps:
            model_in = sched.scale_model_input(sample, t).repeat(2, 1, 1, 1)
            v_uncond, v_text = self.b.unet_image(model_in, torch.full((2,), float(t)), context).chunk(2)
            v = v_uncond + guidance_scale * (v_text - v_uncond)
            v = rescale_noise_cfg(v, v_text, guidance_rescale)
            sample = sched.step(v, t, sample, _fresh_noise(noise, eta, generator))
            if trace is not None:
                trace.append(sample.clone())
        return sample, self.decode(sample)

    # 3. first frame + text -> video
    @torch.no_grad()
    def image_to_video(self, prompt, first_latent, noise, scheduler="dpmpp_2m", steps=15, guidance_scale=5.0,
                       image_guidance_scale=1.5, guidance_rescale=0.0, unet="video", trace=None,
                       init_latents=None, strength=1.0, decode=True, eta=0.0, generator=None):
        """first_latent: scaled [B, 4, 16, 16]; noise: unit Gaussian [B, 4, F, 16, 16]; prompt: a
        string (B = 1) or B strings (a batch: training pairs; the product samples one video at a time).
        unet="direct" runs the text-to-video baseline (no image: two inputs, text guidance only).
        init_latents (scaled [B, 4, F, 16, 16]) with strength < 1: SDEdit, as diffusers' img2img:
        the last round(strength * steps) steps only, from init_latents noised to their level.
        eta > 0 (DDIM only): each step adds fresh noise drawn from `generator`.
        Returns (scaled latents [B, 4, F, 16, 16], frames [F, 3, 64, 64] of the first video, or
        None when decode is False)."""
        prompts = [prompt] if isinstance(prompt, str) else list(prompt)
        batch, num_frames = len(prompts), noise.shape[2]
        direct = unet == "direct"
        network = self.b.unet_direct if direct else self.b.unet_video
        if direct:  # rows: (no text, text), never an image
            context = self.encode_prompts([""] * batch + prompts)
            keep_image = [False] * 2 * batch
        else:  # rows: (no text, no image), (no text, image), (text, image)
            context = self.encode_prompts([""] * 2 * batch + prompts)
            keep_image = [False] * batch + [True] * 2 * batch
        rows = len(keep_image) // batch
        cond = image_conditioning(first_latent.repeat(rows, 1, 1, 1), num_frames,
                                  torch.tensor(keep_image, device=noise.device))
        sample = self._denoise(network, cond, context, rows, noise, direct, scheduler, steps, guidance_scale,
                               image_guidance_scale, guidance_rescale, trace, init_latents, strength, eta, generator)
        if not decode:
            return sample, None
        return sample, self.decode_video(sample[:1], None if direct else first_latent[:1])

    def _denoise(self, network, cond, context, rows, noise, direct, scheduler, steps, guidance_scale,
                 image_guidance_scale, guidance_rescale, trace, init_latents, strength, eta, generator):
        """The video sampling loop: cond [rows * B, 5, F, h, w] (conditioning channels per guidance row)."""
        sched = make_scheduler(scheduler, self.scheduler_config, eta)
        sched.set_timesteps(steps)
        sample, timesteps = noise * sched.init_noise_sigma, sched.timesteps
        if init_latents is not None:
            start = steps - max(1, min(steps, round(strength * steps)))
            sample, timesteps = self._noised(sched, start, init_latents, noise), timesteps[start:]
        for t in timesteps:
            model_in = sched.scale_model_input(sample, t).repeat(rows, 1, 1, 1, 1)
            out = network(torch.cat([model_in, cond], dim=1),
                          torch.full((cond.shape[0],), float(t), device=noise.device), context)
            if direct:
                v0, v_full = out.chunk(2)
                v = v0 + guidance_scale * (v_full - v0)
            else:
                v0, v_img, v_full = out.chunk(3)
                v = v0 + image_guidance_scale * (v_img - v0) + guidance_scale * (v_full - v_img)
            v = rescale_noise_cfg(v, v_full, guidance_rescale)
            sample = sched.step(v, t, sample, _fresh_noise(noise, eta, generator))
            if trace is not None:
                trace.append(sample.clone())
        return sample

    # 4. masked uses (docs/model-format.md, "Masked uses"): given frames at given positions -> video
    @torch.no_grad()
    def masked_video(self, prompt, cond_latents, frame_mask, noise, scheduler="dpmpp_2m", steps=15,
                     guidance_scale=5.0, image_guidance_scale=1.5, guidance_rescale=0.0, eta=0.0, generator=None,
                     decode=True):
        """One video with the frames where frame_mask (bool [F]) is True given: cond_latents scaled
        [1, 4, F, 16, 16] (read only at those frames); noise unit Gaussian [1, 4, F, 16, 16]. Guidance as
        image-to-video: rows (no text, no frames), (no text, frames), (text, frames). The sampled
        latents at the given frames are then replaced by the given latents (as frame 0 is for the
        video decoder), so those frames decode as the inputs' own reconstruction.
        Returns (latents [1, 4, F, 16, 16], frames [F, 3, 64, 64] or None)."""
        frame_mask = torch.as_tensor(frame_mask, dtype=torch.bool, device=noise.device)
        context = self.encode_prompts(["", "", prompt])
        keep = torch.tensor([False, True, True], device=noise.device)
        cond = masked_conditioning(cond_latents.repeat(3, 1, 1, 1, 1), frame_mask, keep)
        sample = self._denoise(self.b.unet_video, cond, context, 3, noise, False, scheduler, steps, guidance_scale,
                               image_guidance_scale, guidance_rescale, None, None, 1.0, eta, generator)
        sample = torch.where(frame_mask.reshape(1, 1, -1, 1, 1), cond_latents, sample)
        return sample, (self.decode_video(sample) if decode else None)

    def _noise(self, num_frames, generator, device):
        lat = self.b.preset.autoencoder.latent_channels
        return torch.randn(1, lat, num_frames, LATENT_SIZE, LATENT_SIZE, generator=generator).to(device)

    @torch.no_grad()
    def interpolate(self, video, prompt, factor=2, num_frames=VIDEO_FRAMES, generator=None, **sampling):
        """video [N, 3, 64, 64] in [-1, 1] (N >= 2) -> 2N - 1 frames: the input frames at the even
        positions, one new frame between each pair. The model samples F = num_frames frames at a time,
        so it goes window by window: a window takes W = F / 2 consecutive input frames s..s+W-1 as
        keyframes at its positions 0, 2, ..., F - 2 (the every-other-frame mask) and gives the frames
        between them at 1, 3, ..., F - 3; its last frame (F - 1, after the last keyframe) is dropped.
        Windows start at s = 0, W - 1, 2 (W - 1), ... (each shares its last keyframe with the next);
        the last window starts at N - W, so it is full, and adds only the frames not made yet. With
        N < W one window holds all N keyframes at 0, 2, ..., 2N - 2 and frames 2N - 1.. are dropped.
        Each window draws its own unit noise [1, 4, F, 16, 16] from generator, in window order.
        The output's even frames are the decoded keyframe latents (vae round trip of the inputs).
        Returns (latents [1, 4, 2N - 1, 16, 16], frames [2N - 1, 3, 64, 64])."""
        if factor != 2:
            raise ValueError("interpolate: factor 2 only (the every-other-frame mask)")
        n, width = video.shape[0], num_frames // 2
        if n < 2:
            raise ValueError("interpolate needs at least 2 frames")
        latents = self.encode_image(video).permute(1, 0, 2, 3).unsqueeze(0)  # [1, 4, N, h, w]
        out = torch.zeros(1, latents.shape[1], 2 * n - 1, *latents.shape[-2:], device=latents.device)
        out[:, :, 0::2] = latents
        done = 0  # input pairs (j, j + 1) filled so far: j < done
        for start in interpolation_windows(n, width):
            keys = min(width, n - start)
            frame_mask = torch.zeros(num_frames, dtype=torch.bool)
            frame_mask[0:2 * keys:2] = True
            cond = torch.zeros(1, latents.shape[1], num_frames, *latents.shape[-2:], device=latents.device)
            cond[:, :, 0:2 * keys:2] = latents[:, :, start:start + keys]
            sample, _ = self.masked_video(prompt, cond, frame_mask, self._noise(num_frames, generator, latents.device),
                                          decode=False, generator=generator, **sampling)
            for m in range(keys - 1):  # the frame between keyframes start + m and start + m + 1
                if start + m >= done:
                    out[:, :, 2 * (start + m) + 1] = sample[:, :, 2 * m + 1]
            done = start + keys - 1
        return out, self.decode_video(out)

    @torch.no_grad()
    def continue_video(self, video, k, prompt, num_frames=VIDEO_FRAMES, generator=None, **sampling):
        """("continue": a Python keyword) video [N, 3, 64, 64] in [-1, 1] (N >= k) -> its next F - k
        frames [F - k, 3, 64, 64]: the last k frames become frames 0..k-1 of one F-frame window (the
        first-k-frames mask, 1 <= k <= F / 2 as trained), the model samples the rest. Returns
        (the window's latents [1, 4, F, 16, 16], the F - k new frames)."""
        if not 1 <= k <= num_frames // 2 or video.shape[0] < k:
            raise ValueError(f"continue: k must be in 1..{num_frames // 2} and at most the video's {video.shape[0]} frames")
        latents = self.encode_image(video[-k:]).permute(1, 0, 2, 3).unsqueeze(0)  # [1, 4, k, h, w]
        cond = torch.zeros(1, latents.shape[1], num_frames, *latents.shape[-2:], device=latents.device)
        cond[:, :, :k] = latents
        frame_mask = torch.arange(num_frames) < k
        sample, frames = self.masked_video(prompt, cond, frame_mask,
                                           self._noise(num_frames, generator, latents.device), generator=generator,
                                           **sampling)
        return sample, frames[k:]

    @staticmethod
    def _noised(sched, start, init_latents, noise):
        """init_latents at the noise level of timesteps[start], on the scheduler's own scale."""
        t = sched.timesteps[start]
        sample = TrainingSchedule().add_noise(init_latents, noise, torch.tensor([t], device=init_latents.device))
        sched.step_index = start
        if hasattr(sched, "sigmas") and sched.init_noise_sigma != 1.0:  # Euler: sample * sqrt(sigma^2 + 1)
            sample = sample * float(np.sqrt(sched.sigmas[start] ** 2 + 1.0))
        return sample

    @torch.no_grad()
    def decode_video(self, latents, first_latent=None):
        """scaled latents [1, 4, F, 16, 16] -> frames [F, 3, 64, 64]: through the video decoder
        when the model has one (which sees frame 0 as the first frame's own latent, when given),
        else frame by frame."""
        if self.b.video_decoder is None:
            return self.decode(latents[0].permute(1, 0, 2, 3))
        inputs = video_decoder_input(latents, first_latent, self.b.scaling_factor)
        return self.b.video_decoder(inputs)[0].permute(1, 0, 2, 3)


def video_decoder_input(latents, first_latent, scaling_factor):
    """What the video decoder sees (the engine gives it the same): scaled latents [B, 4, F, h, w]
    with frame 0 set to the first frame's own latent (when given), divided by the scaling factor."""
    if first_latent is not None:
        latents = latents.clone()
        latents[:, :, 0] = first_latent
    return latents / scaling_factor


def interpolation_windows(n: int, width: int) -> list:
    """Start (input frame index) of each interpolation window of `width` keyframes over n frames:
    0, width - 1, 2 (width - 1), ... while a full window fits, then n - width for the rest."""
    if n <= width:
        return [0]
    starts, start = [], 0
    while start + width < n:
        starts.append(start)
        start += width - 1
    starts.append(n - width)
    return starts
