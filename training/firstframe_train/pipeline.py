"""Reference sampler in PyTorch: text -> first frame (text-to-image U-Net) and
first frame + text -> video (image-to-video U-Net), with classifier-free guidance exactly as
docs/model-format.md states. The TypeScript engine must reproduce these numbers (parity
fixtures are written from this code)."""
import numpy as np
import torch

from .schedule import SCHEDULER_CONFIG, TrainingSchedule
from .schedulers import make_scheduler, rescale_noise_cfg
from .train_video import image_conditioning


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
        sched = make_scheduler(scheduler, self.scheduler_config, eta)
        sched.set_timesteps(steps)
        sample, timesteps = noise * sched.init_noise_sigma, sched.timesteps
        if init_latents is not None:
            start = steps - max(1, min(steps, round(strength * steps)))
            sample, timesteps = self._noised(sched, start, init_latents, noise), timesteps[start:]
        for t in timesteps:
            model_in = sched.scale_model_input(sample, t).repeat(rows, 1, 1, 1, 1)
            out = network(torch.cat([model_in, cond], dim=1),
                          torch.full((len(keep_image),), float(t), device=noise.device), context)
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
        if not decode:
            return sample, None
        return sample, self.decode_video(sample[:1], None if direct else first_latent[:1])

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
