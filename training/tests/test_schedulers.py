"""The noise schedule and the samplers against properties that hold for any correct version."""
import math

import pytest
import torch

from firstframe_train.schedule import SCHEDULER_CONFIG, TrainingSchedule, alphas_cumprod
from firstframe_train.schedulers import make_scheduler, trailing_timesteps, rescale_noise_cfg


def test_zero_terminal_snr_keeps_first_alpha_and_zeroes_the_last():
    ac = alphas_cumprod(SCHEDULER_CONFIG)
    plain = torch.cumprod(1 - torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64), 0)
    assert ac[-1].item() == pytest.approx(0.0, abs=1e-12)
    assert ac[0].item() == pytest.approx(plain[0].item(), rel=1e-9)
    assert bool((ac[1:] < ac[:-1]).all())


def test_trailing_timesteps_match_diffusers():
    assert trailing_timesteps(1000, 4) == [999, 749, 499, 249]
    assert trailing_timesteps(1000, 15)[:3] == [999, 932, 866] and trailing_timesteps(1000, 15)[-1] == 66
    with pytest.raises(ValueError, match="num_inference_steps"):
        trailing_timesteps(1000, 0)


def test_v_target_and_noise_recover_x0():
    sched = TrainingSchedule()
    x0, noise = torch.randn(3, 4, 8, 8), torch.randn(3, 4, 8, 8)
    t = torch.tensor([0, 500, 998])
    xt, v = sched.add_noise(x0, noise, t), sched.v_target(x0, noise, t)
    a = sched.sqrt_ac[t].reshape(-1, 1, 1, 1)
    b = sched.sqrt_one_minus_ac[t].reshape(-1, 1, 1, 1)
    assert torch.allclose(a * xt - b * v, x0, atol=1e-5)


@pytest.mark.parametrize("name", ["ddim", "dpmpp_2m", "euler"])
def test_oracle_model_denoises_to_x0(name):
    """Fed the exact v of a known x0, every sampler must end at (about) x0."""
    ac = alphas_cumprod(SCHEDULER_CONFIG).numpy()
    x0 = torch.randn(1, 4, 4, 4)
    sched = make_scheduler(name, SCHEDULER_CONFIG)
    sched.set_timesteps(10)
    sample = torch.randn(1, 4, 4, 4) * sched.init_noise_sigma
    for t in sched.timesteps:
        model_in = sched.scale_model_input(sample, t)       # = sqrt(a) x0 + sqrt(1-a) eps
        a = max(ac[t], 2.0 ** -24) if name != "ddim" else ac[t]
        eps = (model_in - math.sqrt(a) * x0) / math.sqrt(1 - a)
        v = math.sqrt(a) * eps - math.sqrt(1 - a) * x0
        sample = sched.step(v, t, sample)
    tolerance = 0.1 if name == "ddim" else 1e-3  # DDIM ends at alpha_bar[0], not at 1
    assert torch.allclose(sample, x0, atol=tolerance)


def test_guidance_rescale_matches_the_text_prediction_std():
    v_text, v_cfg = torch.randn(2, 4, 8, 8), torch.randn(2, 4, 8, 8) * 3
    full = rescale_noise_cfg(v_cfg, v_text, 1.0)
    assert torch.allclose(full.std(dim=[1, 2, 3]), v_text.std(dim=[1, 2, 3]), rtol=1e-5)
    assert torch.equal(rescale_noise_cfg(v_cfg, v_text, 0.0), v_cfg)


def test_ddim_eta_adds_diffusers_std_times_noise_and_keeps_the_noise_level():
    sched = make_scheduler("ddim", SCHEDULER_CONFIG, eta=1.0)
    sched.set_timesteps(4)
    t, prev_t = sched.timesteps[1], sched.timesteps[2]
    a_t, a_prev = float(sched.alphas_cumprod[t]), float(sched.alphas_cumprod[prev_t])
    g = torch.Generator().manual_seed(0)
    x0, eps, noise = (torch.randn(20000, generator=g, dtype=torch.float64) for _ in range(3))
    sample = a_t ** 0.5 * x0 + (1 - a_t) ** 0.5 * eps
    v = a_t ** 0.5 * eps - (1 - a_t) ** 0.5 * x0
    out = sched.step(v, t, sample, noise)
    std = ((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev)) ** 0.5
    expected = a_prev ** 0.5 * x0 + (1 - a_prev - std ** 2) ** 0.5 * eps + std * noise
    assert std > 0.1
    assert torch.allclose(out, expected, atol=1e-9)
    assert abs(float((out - a_prev ** 0.5 * x0).var()) / (1 - a_prev) - 1) < 0.03
    with pytest.raises(ValueError, match="needs unit noise"):
        sched.step(v, t, sample)
    with pytest.raises(ValueError, match="only to the ddim"):
        make_scheduler("dpmpp_2m", SCHEDULER_CONFIG, eta=0.5)
