"""Rebuilds the committed test fixtures: trains the `tiny` preset for its few steps in a
temporary runs folder, exports it to test/fixtures/tiny-model and writes the parity fixtures
to test/fixtures/parity (both through the same code as the real model).
--parity-only keeps the committed tiny model: it is imported back (import_model) and only the parity
fixtures are written again from it (a new case, or today's reference code, without a new model).
Usage (from training/): python3 -m firstframe_train.make_fixtures [--parity-only]"""
import argparse
import shutil
import tempfile
from pathlib import Path

from . import import_model, train_all
from .bundle import load_bundle
from .config import get_preset
from .export import export_bundle
from .runs import TRAINING_DIR, log
from .write_parity import write_fixtures

REPO = TRAINING_DIR.parent


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-out", default=str(REPO / "test/fixtures/tiny-model"))
    parser.add_argument("--parity-out", default=str(REPO / "test/fixtures/parity"))
    parser.add_argument("--parity-only", action="store_true",
                        help="import the model in --model-out and write only the parity fixtures")
    args = parser.parse_args(argv)
    preset = get_preset("tiny")
    with tempfile.TemporaryDirectory() as runs:
        run = Path(runs) / "tiny"
        if args.parity_only:
            import_model.main(["--preset", "tiny", "--runs", runs, "--model", args.model_out, "--video"])
            write_fixtures(load_bundle(preset, run), "test/fixtures/tiny-model", Path(args.parity_out))
            log(f"[fixtures] wrote {args.parity_out} from {args.model_out}")
            return
        train_all.main(["--preset", "tiny", "--runs", runs])
        bundle = load_bundle(preset, run)
        model_out = Path(args.model_out)
        if model_out.exists():
            shutil.rmtree(model_out)
        export_bundle(bundle, model_out, "tiny-test-model", run)
        write_fixtures(bundle, "test/fixtures/tiny-model", Path(args.parity_out))
    log(f"[fixtures] wrote {args.model_out} and {args.parity_out}")


if __name__ == "__main__":
    main()
