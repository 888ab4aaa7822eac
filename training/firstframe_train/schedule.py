"""The noise schedule shared by training and every sampler, as in diffusers:
betas from `beta_schedule`, rescaled to zero terminal SNR (`rescale_zero_terminal_snr`,
Lin et al. 2024), v-prediction targets."""
import json
from pathlib import Path

import torch

SCHEDULER_CONFIG = {
    "_class_name": "DDIMScheduler",
    "num_train_timesteps": 1000,
    "beta_schedule": "linear",
    "beta_start": 0.0001,
    "beta_end": 0.02,
    "prediction_type": "v_prediction",
    "rescale_betas_zero_snr": True,
    "timestep_spacing": "trailing",
    "clip_sample": False,
    "set_alpha_to_one": False,
    "steps_offset": 0,
}


def schedule_config(zero_terminal_snr: bool = True) -> dict:
    """The shipped config, or the same without the zero-terminal-SNR rescale (its ablation)."""
    return {**SCHEDULER_CONFIG, "rescale_betas_zero_snr": zero_terminal_snr}


def trained_with_zero_terminal_snr(image_checkpoint: dict) -> bool:
    """What `train_image` recorded (checkpoints older than the flag: zero terminal SNR)."""
    return image_checkpoint.get("zero_terminal_snr", True)


def run_schedule_config(image_checkpoint: dict) -> dict:
    """The schedule a text-to-image checkpoint was trained on."""
    return schedule_config(trained_with_zero_terminal_snr(image_checkpoint))


def make_betas(config: dict) -> torch.Tensor:
    n = config["num_train_timesteps"]
    if config["beta_schedule"] == "linear":
        betas = torch.linspace(config["beta_start"], config["beta_end"], n, dtype=torch.float64)
    elif config["beta_schedule"] == "scaled_linear":
        betas = torch.linspace(config["beta_start"] ** 0.5, config["beta_end"] ** 0.5, n, dtype=torch.float64) ** 2
    else:
        raise ValueError(f"beta_schedule {config['beta_schedule']!r} not supported; allowed: linear, scaled_linear")
    if config.get("rescale_betas_zero_snr"):
        betas = rescale_zero_terminal_snr(betas)
    return betas


def rescale_zero_terminal_snr(betas: torch.Tensor) -> torch.Tensor:
    """diffusers' `rescale_zero_terminal_snr`: shift and scale sqrt(alpha_bar) so the last
    timestep has exactly zero signal, keeping the first one unchanged."""
    alphas_bar_sqrt = torch.cumprod(1.0 - betas, dim=0).sqrt()
    first, last = alphas_bar_sqrt[0].clone(), alphas_bar_sqrt[-1].clone()
    alphas_bar_sqrt = (alphas_bar_sqrt - last) * first / (first - last)
    alphas_bar = alphas_bar_sqrt ** 2
    alphas = torch.cat([alphas_bar[0:1], alphas_bar[1:] / alphas_bar[:-1]])
    return 1.0 - alphas


def alphas_cumprod(config: dict) -> torch.Tensor:
    """float64 [num_train_timesteps]; the last entry is exactly 0 with zero terminal SNR."""
    return torch.cumprod(1.0 - make_betas(config), dim=0)


class TrainingSchedule:
    """q(x_t | x_0) and the v-prediction target, for training."""

    def __init__(self, config: dict = SCHEDULER_CONFIG):
        ac = alphas_cumprod(config).float()
        self.num_train_timesteps = config["num_train_timesteps"]
        self.sqrt_ac, self.sqrt_one_minus_ac = ac.sqrt(), (1 - ac).sqrt()

    def _coef(self, table, t, ndim):
        return table.to(t.device)[t].reshape(-1, *([1] * (ndim - 1)))

    def sample_timesteps(self, n, generator=None, device="cpu"):
        return torch.randint(0, self.num_train_timesteps, (n,), generator=generator).to(device)

    def add_noise(self, x0, noise, t):
        return self._coef(self.sqrt_ac, t, x0.ndim) * x0 + self._coef(self.sqrt_one_minus_ac, t, x0.ndim) * noise

    def v_target(self, x0, noise, t):
        return self._coef(self.sqrt_ac, t, x0.ndim) * noise - self._coef(self.sqrt_one_minus_ac, t, x0.ndim) * x0


def save_scheduler_config(folder) -> None:
    Path(folder, "scheduler_config.json").write_text(json.dumps(SCHEDULER_CONFIG, indent=2))
