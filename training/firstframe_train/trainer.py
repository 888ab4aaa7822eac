"""The loop every training stage shares: resume from <run>/<stage>.pt, AdamW with warm-up,
gradient clipping, an EMA copy of the weights (exported), checkpoints every few minutes and
at the end, a time budget (`--max-minutes`) that stops cleanly with a checkpoint."""
import argparse
import contextlib
import dataclasses
import copy
import signal
import time

import torch

from .config import get_preset
from .runs import Progress, load_checkpoint, pick_device, run_dir, save_checkpoint, log


def stage_arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--preset", default="cpu", help="tiny | cpu (default model) | gpu")
    parser.add_argument("--runs", default=None, help="runs folder (default training/runs)")
    parser.add_argument("--steps", type=int, default=None, help="total steps (default: the preset's)")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None,
                        help="peak learning rate (default: the preset's); lower it with a small batch")
    parser.add_argument("--max-minutes", type=float, default=None,
                        help="stop (with a checkpoint) after this many minutes of this invocation")
    parser.add_argument("--save-every-s", type=float, default=180.0)
    parser.add_argument("--seed-offset", type=int, default=0,
                        help="added to the data seed: a run continued from an imported model (step 0) "
                             "should not see the same clips as the round before it")
    return parser


def stage_setup(args, stage_key: str):
    preset = get_preset(args.preset)
    stage = preset.stage(stage_key)
    if args.lr is not None:
        stage = dataclasses.replace(stage, lr=args.lr)
    steps = args.steps if args.steps is not None else stage.steps
    batch = args.batch_size or stage.batch_size
    return preset, stage, steps, batch, run_dir(preset.name, args.runs), pick_device()


class EMA:
    def __init__(self, modules: dict):
        self.modules = {k: copy.deepcopy(m).eval().requires_grad_(False) for k, m in modules.items()}

    @torch.no_grad()
    def update(self, modules: dict, step: int, max_decay: float = 0.999):
        decay = min(max_decay, (1 + step) / (10 + step))
        for key, module in modules.items():
            pairs = [(e, p.detach()) for e, p in zip(self.modules[key].parameters(), module.parameters())
                     if p.requires_grad]
            if pairs:  # e = decay * e + (1 - decay) * p, one kernel per list rather than per tensor
                ema_params = [e for e, _ in pairs]
                torch._foreach_mul_(ema_params, decay)
                torch._foreach_add_(ema_params, [p for _, p in pairs], alpha=1 - decay)


def mixed_precision(device):
    """bf16 autocast on a GPU (weights, optimizer and EMA stay float32); plain float32 on the CPU."""
    if torch.device(device).type != "cuda":
        return contextlib.nullcontext()
    return torch.autocast("cuda", dtype=torch.bfloat16)


def train_stage(*, name, run, device, modules: dict, total_steps: int, lr: float, loss_fn,
                max_minutes=None, save_every_s=180.0, extra_state=None, warmup_steps=100, batch_size=None):
    """modules: name -> nn.Module (trainable parameters are those with requires_grad).
    loss_fn(step) -> scalar loss tensor. Returns the EMA modules (dict)."""
    path = run / f"{name}.pt"
    if torch.device(device).type == "cuda":  # TF32 for what autocast leaves in float32
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    for m in modules.values():
        m.to(device).train()
    params = [p for m in modules.values() for p in m.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    ema = EMA(modules)
    step, seconds_before = 0, 0.0
    ckpt = load_checkpoint(path, required=False)
    if ckpt is not None:
        for k, m in modules.items():
            m.load_state_dict(ckpt["modules"][k])
            ema.modules[k].load_state_dict(ckpt["ema"][k])
        if ckpt.get("optimizer") is not None:  # None: imported from a model folder (import_model)
            try:
                optimizer.load_state_dict(ckpt["optimizer"])
            except ValueError:  # other trainable parameters than when saved (e.g. --freeze-text)
                log(f"[{name}] the saved optimizer state is for other parameters: starting a fresh one")
        step, seconds_before = ckpt["step"], ckpt.get("train_seconds", 0.0)
        log(f"[{name}] resuming from step {step} ({path})")
    for k, m in modules.items():
        if not any(p.requires_grad for p in m.parameters()):  # frozen: train against the exported weights
            m.load_state_dict(ema.modules[k].state_dict())
        else:  # frozen parts of a module (e.g. the encoder under --decoder-only) likewise
            with torch.no_grad():
                for p, exported in zip(m.parameters(), ema.modules[k].parameters()):
                    if not p.requires_grad:
                        p.copy_(exported)
    if step >= total_steps:
        log(f"[{name}] already trained to step {step} >= {total_steps}; nothing to do")
        return ema.modules

    def save():
        save_checkpoint(path, step=step, total_steps=total_steps,
                        train_seconds=seconds_before + progress.elapsed(), batch_size=batch_size,
                        modules={k: m.state_dict() for k, m in modules.items()},
                        ema={k: m.state_dict() for k, m in ema.modules.items()},
                        optimizer=optimizer.state_dict(), **(extra_state or {}))

    progress = Progress(name, step, total_steps, run / f"{name}.log.jsonl")
    last_save = time.time()
    stop = []  # SIGTERM / SIGINT: finish the current step, save, exit
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(True))
    while step < total_steps and not stop:
        for group in optimizer.param_groups:
            group["lr"] = lr * min(1.0, (step + 1) / warmup_steps)
        with mixed_precision(device):
            loss = loss_fn(step)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        step += 1
        ema.update(modules, step)
        progress.update(step, loss.item(), force=step == total_steps)
        if time.time() - last_save > save_every_s:
            save()
            last_save = time.time()
        if max_minutes is not None and progress.elapsed() > max_minutes * 60:
            log(f"[{name}] time budget of {max_minutes} min reached at step {step}")
            break
    if stop:
        log(f"[{name}] stopped by a signal at step {step}")
    save()
    log(f"[{name}] saved step {step} to {path}")
    return ema.modules
