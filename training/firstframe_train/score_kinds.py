"""Where a model's videos fail, by kind of object: reads the scores.json that `npm run eval`
writes and prints, per kind (motion, shape, size, alone or in a two-object scene), the share of
objects whose video attribute the judge found right. With a second scores.json (the same
prompts: the same --seed and counts) it also prints, per kind, how many objects each run got
right where the other did not: the paired view that small differences need.
Usage: python3 -m firstframe_train.score_kinds RUN/scores.json [BASELINE/scores.json]
         [--attribute consistency]"""
import argparse
import json
import re
from collections import defaultdict

from . import world

FAILURE = re.compile(r"^object (\d+) (\w+)")


def object_results(scores: dict, attribute: str) -> dict[tuple[int, int], tuple[list[str], bool]]:
    """(prompt index, object number from 1) -> (the object's kinds, whether `attribute` passed)."""
    results = {}
    for item in scores["items"]:
        objects, _ = world.parse_caption(item["prompt"])
        failed = {int(m.group(1)) for m in map(FAILURE.match, item["failures"])
                  if m and m.group(2) == attribute}
        for number, obj in enumerate(objects, start=1):
            kinds = [obj.motion, obj.shape, obj.size or "medium",
                     "in a two-object scene" if len(objects) == 2 else "alone"]
            results[(item["index"], number)] = (kinds, number not in failed)
    return results


def table(run: dict, baseline: dict | None, attribute: str) -> list[str]:
    by_kind = defaultdict(list)
    for key, (kinds, ok) in run.items():
        for kind in kinds + ["all"]:
            by_kind[kind].append((key, ok))
    header = f"| kind | objects | {attribute} right %"
    lines = [header + (" | baseline % | fixed / broken |" if baseline else " |")]
    lines.append("|---" * (5 if baseline else 3) + "|")
    for kind, rows in sorted(by_kind.items(), key=lambda kv: (kv[0] != "all", kv[0])):
        share = 100 * sum(ok for _, ok in rows) / len(rows)
        line = f"| {kind} | {len(rows)} | {share:.1f}"
        if baseline:
            before = [baseline[key][1] for key, _ in rows]
            fixed = sum(ok and not was for (_, ok), was in zip(rows, before))
            broken = sum(was and not ok for (_, ok), was in zip(rows, before))
            line += f" | {100 * sum(before) / len(rows):.1f} | {fixed} / {broken}"
        lines.append(line + " |")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scores")
    parser.add_argument("baseline", nargs="?")
    parser.add_argument("--attribute", default="consistency",
                        help="the judge's video attribute: colour, shape, size, motion, consistency")
    args = parser.parse_args(argv)
    with open(args.scores) as f:
        run = object_results(json.load(f), args.attribute)
    baseline = None
    if args.baseline:
        with open(args.baseline) as f:
            baseline = object_results(json.load(f), args.attribute)
        if baseline.keys() != run.keys():
            raise SystemExit("the two scores.json files are not from the same prompts (same --seed and counts)")
    print("\n".join(table(run, baseline, args.attribute)))


if __name__ == "__main__":
    main()
