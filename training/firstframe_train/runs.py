"""Run folders, resumable checkpoints, device choice and progress lines with an ETA."""
import json
import os
import sys
import time
from pathlib import Path

import torch

TRAINING_DIR = Path(__file__).resolve().parent.parent
DEFAULT_RUNS = TRAINING_DIR / "runs"


def pick_device() -> torch.device:
    """CUDA when present. FIRSTFRAME_THREADS sets the CPU threads: by default all cores on the CPU,
    2 beside a GPU (the main process only feeds it; more threads compete with the render workers)."""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    default = 2 if device.type == "cuda" else (os.cpu_count() or 1)
    torch.set_num_threads(int(os.environ.get("FIRSTFRAME_THREADS", default)))
    return device


def run_dir(preset_name: str, runs_root=None) -> Path:
    path = Path(runs_root or DEFAULT_RUNS) / preset_name
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_checkpoint(path: Path, **state) -> None:
    """Atomic write: a crash mid-save never leaves a truncated checkpoint."""
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path, required: bool = True):
    if not path.exists():
        if required:
            raise SystemExit(f"missing checkpoint {path}: run the earlier training stage first")
        return None
    # weights_only=False: our own checkpoints (newer PyTorch defaults to True and may refuse plain Python values)
    return torch.load(path, map_location="cpu", weights_only=False)


class Progress:
    """Prints `stage step/total loss ... s/step ETA` about every `every_s` seconds and
    appends the same numbers to <run>/<stage>.log.jsonl."""

    def __init__(self, stage: str, start_step: int, total: int, log_path: Path, every_s: float = 10.0):
        self.stage, self.start_step, self.total, self.every_s = stage, start_step, total, every_s
        self.t0 = self.last = time.time()
        self.log_path = log_path
        self.losses = []

    def update(self, step: int, loss: float, force: bool = False) -> None:
        self.losses.append(loss)
        now = time.time()
        if not force and now - self.last < self.every_s:
            return
        done = step - self.start_step
        per_step = (now - self.t0) / max(done, 1)
        eta = per_step * (self.total - step)
        mean = sum(self.losses) / len(self.losses)
        print(f"[{self.stage}] step {step}/{self.total} loss {mean:.4f} {per_step:.2f} s/step "
              f"ETA {eta / 60:.1f} min", flush=True)
        with open(self.log_path, "a") as f:
            f.write(json.dumps({"stage": self.stage, "step": step, "loss": mean, "s_per_step": per_step,
                                "time": now}) + "\n")
        self.losses, self.last = [], now

    def elapsed(self) -> float:
        return time.time() - self.t0


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
