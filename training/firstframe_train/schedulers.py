"""Reference samplers (PyTorch), following diffusers' DDIMScheduler, DPMSolverMultistepScheduler
(DPM-Solver++ 2M, midpoint, final sigma 0) and EulerDiscreteScheduler with the options in
scheduler_config.json. Coefficients are computed in float64 and applied to float32 tensors.
The formulas are spelt out in docs/model-format.md so the TypeScript engine can match them.

Surface (as in diffusers): `set_timesteps(n)`, `timesteps`, `init_noise_sigma`,
`scale_model_input(sample, t)`, `step(model_output, t, sample) -> prev_sample`."""
import math

import numpy as np
import torch

from .schedule import alphas_cumprod

ZERO_SNR_CLAMP = 2.0 ** -24  # DPM-Solver and Euler replace alpha_bar[-1] = 0 by this


def trailing_timesteps(num_train_timesteps: int, num_inference_steps: int) -> list:
    if not 1 <= num_inference_steps <= num_train_timesteps:
        raise ValueError(f"num_inference_steps must be 1..{num_train_timesteps}, got {num_inference_steps}")
    step_ratio = num_train_timesteps / num_inference_steps
    return [int(t) for t in np.round(np.arange(num_train_timesteps, 0, -step_ratio)).astype(np.int64) - 1]


class _Base:
    def __init__(self, config: dict):
        if config.get("timestep_spacing", "trailing") != "trailing":
            raise ValueError("only timestep_spacing 'trailing' is supported")
        if config.get("prediction_type") != "v_prediction":
            raise ValueError("only prediction_type 'v_prediction' is supported")
        self.config = config
        self.num_train_timesteps = config["num_train_timesteps"]
        self.alphas_cumprod = alphas_cumprod(config).numpy()  # float64
        self.timesteps, self.step_index = [], 0
        self.init_noise_sigma = 1.0

    def set_timesteps(self, num_inference_steps: int) -> None:
        self.timesteps = trailing_timesteps(self.num_train_timesteps, num_inference_steps)
        self.step_index = 0

    def scale_model_input(self, sample, timestep):
        return sample


class DDIMScheduler(_Base):
    """DDIM. prev_t = t - num_train_timesteps // n as in diffusers; alpha_bar_prev = alpha_bar[0]
    when prev_t < 0 (set_alpha_to_one = false). eta = 0 is deterministic; eta > 0 adds
    std * noise each step (diffusers' std_dev_t), and step() then needs `noise`."""

    def __init__(self, config: dict, eta: float = 0.0):
        super().__init__(config)
        if not 0.0 <= eta <= 1.0:
            raise ValueError(f"eta must be from 0 to 1, got {eta}")
        self.eta = eta

    def step(self, model_output, timestep, sample, noise=None):
        n = len(self.timesteps)
        prev_t = timestep - self.num_train_timesteps // n
        a_t = self.alphas_cumprod[timestep]
        a_prev = self.alphas_cumprod[prev_t] if prev_t >= 0 else self.alphas_cumprod[0]
        pred_x0 = math.sqrt(a_t) * sample - math.sqrt(1 - a_t) * model_output
        pred_eps = math.sqrt(a_t) * model_output + math.sqrt(1 - a_t) * sample
        std = self.eta * math.sqrt((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev))
        if std > 0 and noise is None:
            raise ValueError(f"DDIM with eta {self.eta} needs unit noise the sample's shape")
        self.step_index += 1
        out = math.sqrt(a_prev) * pred_x0 + math.sqrt(max(0.0, 1 - a_prev - std * std)) * pred_eps
        return out + std * noise if std > 0 else out


def _sigmas(alphas_cumprod_clamped, timesteps):
    """sigma = sqrt((1 - alpha_bar) / alpha_bar) at each timestep, then a final 0."""
    ac = alphas_cumprod_clamped[np.array(timesteps)]
    return list(np.sqrt((1 - ac) / ac)) + [0.0]


class DPMSolverMultistepScheduler(_Base):
    """DPM-Solver++ 2M (midpoint). First-order on the first and the last step."""

    def set_timesteps(self, num_inference_steps: int) -> None:
        super().set_timesteps(num_inference_steps)
        ac = self.alphas_cumprod.copy()
        ac[-1] = max(ac[-1], ZERO_SNR_CLAMP)
        self.sigmas = _sigmas(ac, self.timesteps)
        self.previous_x0 = None

    @staticmethod
    def _alpha_sigma_lambda(sigma):
        alpha = 1.0 / math.sqrt(sigma ** 2 + 1.0)
        sig = sigma * alpha
        lam = math.log(alpha) - math.log(sig) if sig > 0 else math.inf
        return alpha, sig, lam

    def step(self, model_output, timestep, sample, noise=None):  # noise: read only by DDIM with eta
        i = self.step_index
        alpha_s, sig_s, lam_s = self._alpha_sigma_lambda(self.sigmas[i])
        alpha_t, sig_t, lam_t = self._alpha_sigma_lambda(self.sigmas[i + 1])
        x0 = alpha_s * sample - sig_s * model_output
        if sig_t == 0:
            prev = x0  # final step to sigma 0: the limit of the first-order update
        else:
            h = lam_t - lam_s
            first = (sig_t / sig_s) * sample - alpha_t * math.expm1(-h) * x0
            if i == 0 or i == len(self.timesteps) - 1 or self.previous_x0 is None:
                prev = first
            else:
                _, _, lam_prev = self._alpha_sigma_lambda(self.sigmas[i - 1])
                r0 = (lam_s - lam_prev) / h
                d1 = (x0 - self.previous_x0) / r0
                prev = first - 0.5 * alpha_t * math.expm1(-h) * d1
        self.previous_x0 = x0
        self.step_index += 1
        return prev


class EulerDiscreteScheduler(_Base):
    """Euler in sigma space. The sample lives at scale sqrt(sigma^2 + 1): initial noise is
    multiplied by init_noise_sigma (= the largest sigma) and the model sees
    sample / sqrt(sigma^2 + 1)."""

    def set_timesteps(self, num_inference_steps: int) -> None:
        super().set_timesteps(num_inference_steps)
        ac = self.alphas_cumprod.copy()
        ac[-1] = max(ac[-1], ZERO_SNR_CLAMP)
        self.sigmas = _sigmas(ac, self.timesteps)
        self.init_noise_sigma = float(max(self.sigmas))

    def scale_model_input(self, sample, timestep):
        return sample / math.sqrt(self.sigmas[self.step_index] ** 2 + 1.0)

    def step(self, model_output, timestep, sample, noise=None):  # noise: read only by DDIM with eta
        sigma, sigma_next = self.sigmas[self.step_index], self.sigmas[self.step_index + 1]
        c_out, c_skip = -sigma / math.sqrt(sigma ** 2 + 1.0), 1.0 / (sigma ** 2 + 1.0)
        pred_x0 = c_out * model_output + c_skip * sample
        derivative = (sample - pred_x0) / sigma
        self.step_index += 1
        return sample + derivative * (sigma_next - sigma)


SCHEDULERS = {"ddim": DDIMScheduler, "dpmpp_2m": DPMSolverMultistepScheduler, "euler": EulerDiscreteScheduler}


def make_scheduler(name: str, config: dict, eta: float = 0.0):
    """eta: DDIM's (the others take only 0), as the engine's createScheduler."""
    if name not in SCHEDULERS:
        raise ValueError(f"unknown scheduler {name!r}; allowed: {', '.join(SCHEDULERS)}")
    if eta:
        if name != "ddim":
            raise ValueError(f"eta applies only to the ddim scheduler, not {name}")
        return DDIMScheduler(config, eta)
    return SCHEDULERS[name](config)


def rescale_noise_cfg(noise_cfg, noise_pred_text, guidance_rescale: float):
    """diffusers' rescale_noise_cfg: match the guided prediction's std to the text
    prediction's (std over all dims but batch, unbiased), then mix by guidance_rescale."""
    if guidance_rescale <= 0:
        return noise_cfg
    dims = list(range(1, noise_cfg.ndim))
    std_text = noise_pred_text.std(dim=dims, keepdim=True)
    std_cfg = noise_cfg.std(dim=dims, keepdim=True)
    rescaled = noise_cfg * (std_text / std_cfg)
    return guidance_rescale * rescaled + (1 - guidance_rescale) * noise_cfg
