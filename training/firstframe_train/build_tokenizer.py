"""Stage 0: write tokenizer.json + tokenizer_config.json for the world's vocabulary.
Usage: python3 -m firstframe_train.build_tokenizer --preset cpu"""
import argparse

from .config import get_preset
from .data import vocabulary
from .runs import run_dir, log
from .tokenizer import WordTokenizer, build_vocab


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="cpu")
    parser.add_argument("--runs", default=None)
    args = parser.parse_args(argv)
    preset = get_preset(args.preset)
    run = run_dir(preset.name, args.runs)
    tokenizer = WordTokenizer(build_vocab(vocabulary()), preset.text.max_length)
    tokenizer.save(run)
    log(f"[tokenizer] {len(tokenizer.vocab)} tokens, max_length {tokenizer.max_length} -> {run}/tokenizer.json")


if __name__ == "__main__":
    main()
