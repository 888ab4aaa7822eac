"""Copies a run folder keeping only what export and further training need: the tokenizer and,
per stage, the EMA weights (as both live and EMA weights, no optimizer state), about a third
of the size. Used to bring a run back from a machine that returns only small files.
Usage: python3 -m firstframe_train.slim_run SOURCE_RUN_DIR DEST_RUN_DIR"""
import shutil
import sys
from pathlib import Path

from .runs import load_checkpoint, log, save_checkpoint


def main(argv=None):
    source, dest = (Path(a) for a in (argv or sys.argv[1:]))
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        if path.suffix == ".json" or path.name.endswith(".log.jsonl"):
            shutil.copy(path, dest / path.name)
        elif path.suffix == ".pt":
            ckpt = load_checkpoint(path)
            ckpt.update(modules=ckpt["ema"], optimizer=None)
            save_checkpoint(dest / path.name, **ckpt)
            log(f"[slim] {path.name}: step {ckpt['step']}")


if __name__ == "__main__":
    main()
