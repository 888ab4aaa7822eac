"""The judge's side of `npm run eval` (scripts/eval-model.ts), which scores what the product
itself writes: prompts -> TypeScript engine -> 4 candidate PNGs + MP4 -> this module.
  prompts --count N --held-out M --seed S --out prompts.json
      prompts sampled from the caption grammar (the same as `evaluate.py` uses): N naming no
      held-out colour-shape pair, then M naming at least one.
  vote RUN_DIR
      the candidate the judge votes for in each item (the fewest failures; ties to the lowest
      number): RUN_DIR/votes.json, from which the TypeScript side animates the voted candidate
  score RUN_DIR [RUN_DIR ...] --out report.md
      each RUN_DIR holds manifest.json (written by the TypeScript side); writes RUN_DIR/scores.json
      and one markdown report comparing the runs (attribute accuracy, candidates, layouts).
  compare BASELINE_SCORES NEW_SCORES [--out comparison.md]
      a paired comparison of two scored runs of the same prompts (e.g. the shipped model's
      samples/scores.json against a candidate's): per attribute, the objects each one gets right
      that the other does not, and a sign test on the videos only one of them gets fully right
      (whether to ship a model is decided on this, training/README.md)."""
import argparse
import json
import math
import re
from collections import Counter
from pathlib import Path

import numpy as np

from . import judge, media
from .evaluate import evaluation_prompts, still_caption
from .world import BACKGROUNDS, parse_caption

ATTRIBUTES = ["colour", "shape", "size", "motion", "background", "consistency", "count", "caption"]
LAYOUT_MIN_PX = 3.0  # two candidates have different layouts when a box centre or side differs by this
MIN_OBJECT_AREA = 16  # px; the smallest object (a 10 px cross) covers 36


def write_prompts(args) -> None:
    prompts = evaluation_prompts(args.seed, args.count, args.held_out)
    rows = [{"prompt": p, "held_out": i >= args.count} for i, p in enumerate(prompts)]
    Path(args.out).write_text(json.dumps({"seed": args.seed, "prompts": rows}, indent=1) + "\n")
    print(f"wrote {len(rows)} prompts to {args.out}")


def foreground_box(frame: np.ndarray, background: str):
    """(centre x, centre y, side) of everything that is not the background colour, or None."""
    bg = np.array(BACKGROUNDS[background], dtype=np.int16)
    ys, xs = np.nonzero(np.abs(frame.astype(np.int16) - bg).max(axis=-1) > 40)
    if len(xs) == 0:
        return None
    return ((xs.min() + xs.max() + 1) / 2, (ys.min() + ys.max() + 1) / 2,
            float(max(xs.max() - xs.min(), ys.max() - ys.min()) + 1))


def object_count(frame: np.ndarray, min_area: int = MIN_OBJECT_AREA) -> int:
    """Same-colour blobs of at least min_area pixels (the judge's segmentation) in one frame.
    The judge asks only whether each named object is there; this catches extra ones."""
    scene = judge._Segmentation(frame[None])
    return sum(b.area >= min_area for per_colour in scene.blobs.values() for b in per_colour[0])


def layouts_differ(boxes) -> bool:
    """True when every pair of candidates differs in where or how big the drawing is."""
    if any(b is None for b in boxes):
        return False
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            if max(abs(a - b) for a, b in zip(boxes[i], boxes[j])) < LAYOUT_MIN_PX:
                return False
    return True


def judge_candidates(frames, prompt: str) -> list:
    """Each candidate first frame judged alone against the caption with every motion 'still'."""
    still = still_caption(prompt)
    return [judge.judge(np.repeat(f[None], 16, 0), still) for f in frames]


def vote(run: Path) -> list[dict]:
    """The candidate a channel would vote for, with the judge as the channel: the one with the
    fewest failures against the caption, the lowest number on a tie (so candidate 1 whenever it is
    among the best). Writes RUN/votes.json: [{index, pick (1-4), failures per candidate}]."""
    items = json.loads((run / "manifest.json").read_text())["items"]
    frames = [v[0] for v in media.read_videos([run / c for it in items for c in it["candidates"]])]
    votes, first = [], 0
    for it in items:
        per_item = len(it["candidates"])
        counts = [len(v.failures()) for v in judge_candidates(frames[first:first + per_item], it["prompt"])]
        first += per_item
        votes.append({"index": it["index"], "pick": 1 + counts.index(min(counts)), "failures": counts})
    (run / "votes.json").write_text(json.dumps(votes, indent=1) + "\n")
    changed = sum(v["pick"] != 1 for v in votes)
    print(f"voted on {len(votes)} prompts in {run}: {changed} pick another candidate than 1")
    return votes


def score_run(run: Path) -> dict:
    manifest = json.loads((run / "manifest.json").read_text())
    items = manifest["items"]
    videos = media.read_videos([run / it["video"] for it in items])
    candidate_paths = [run / c for it in items for c in it["candidates"]]
    candidate_frames = [v[0] for v in media.read_videos(candidate_paths)] if candidate_paths else []
    video_verdicts, first_verdicts, candidate_rows = [], [], []
    per_item = len(items[0]["candidates"]) if items else 0
    for k, (it, frames) in enumerate(zip(items, videos)):
        verdict = judge.judge(frames, it["prompt"])
        video_verdicts.append(verdict)
        frames_k = candidate_frames[k * per_item:(k + 1) * per_item]
        cand = judge_candidates(frames_k, it["prompt"])
        first_verdicts += cand
        objects, background = parse_caption(it["prompt"])
        candidate_rows.append({"right_count": float(np.mean([object_count(f) == len(objects) for f in frames_k])),
                               "all_faithful": all(v.ok for v in cand),
                               "faithful": sum(v.ok for v in cand),
                               "layouts_differ": layouts_differ([foreground_box(f, background) for f in frames_k])})
        it.update(ok=verdict.ok, failures=verdict.failures(), held_out=verdict.held_out,
                  candidate_failures=[v.failures() for v in cand])
    held = [row for row, it in zip(candidate_rows, items) if it["held_out"]]
    seen = [row for row, it in zip(candidate_rows, items) if not it["held_out"]]

    def candidate_stats(rows):
        if not rows:
            return {}
        return {"faithful": float(np.mean([r["faithful"] / per_item for r in rows])),
                "all_faithful": float(np.mean([r["all_faithful"] for r in rows])),
                "layouts_differ": float(np.mean([r["layouts_differ"] for r in rows])),
                "right_count": float(np.mean([r["right_count"] for r in rows])),
                "prompts": len(rows)}

    scores = {"settings": manifest["settings"], "model": manifest["model"], "judge_version": judge.VERSION,
              "video": judge.aggregate(video_verdicts), "first_frames": judge.aggregate(first_verdicts),
              "candidates": {"seen": candidate_stats(seen), "held_out": candidate_stats(held),
                             "all": candidate_stats(candidate_rows)},
              "items": items}
    (run / "scores.json").write_text(json.dumps(scores, indent=1, default=float) + "\n")
    return scores


def _cells(stats: dict) -> list[str]:
    return [f"{100 * stats[a]:.1f}" if a in stats and stats[a] == stats[a] else "" for a in ATTRIBUTES]


def report(runs: list[tuple[Path, dict]]) -> str:
    lines = ["Judge accuracy in percent (per object; background and caption per video), on MP4s and PNGs "
             "written by the TypeScript engine.", "",
             "| run | prompts | " + " | ".join(ATTRIBUTES) + " |", "|---" * (len(ATTRIBUTES) + 2) + "|"]
    for run, s in runs:
        label = f"{run.name}: {s['settings']['scheduler']} {s['settings']['steps']} steps"
        for group in ("seen", "held_out"):
            stats = s["video"].get(group, {})
            if stats.get("videos"):
                lines.append(f"| {label}, {group.replace('_', '-')} | {int(stats['videos'])} | "
                             + " | ".join(_cells(stats)) + " |")
    lines += ["", "First-frame candidates (4 per prompt, each judged alone against the caption with every "
              "motion 'still'; layouts differ when every pair of candidates differs by at least "
              f"{LAYOUT_MIN_PX:.0f} px in box centre or side; right object count: as many blobs of "
              f"{MIN_OBJECT_AREA}+ px as the caption names objects):", "",
              "| run | prompts | candidates faithful | all 4 faithful | layouts differ | right object count "
              "| shape | colour | size |",
              "|---|---|---|---|---|---|---|---|---|"]
    for run, s in runs:
        label = f"{run.name}: {s['settings']['scheduler']} {s['settings']['steps']} steps"
        for group in ("seen", "held_out"):
            c, f = s["candidates"].get(group) or {}, s["first_frames"].get(group, {})
            if c:
                lines.append(f"| {label}, {group.replace('_', '-')} | {c['prompts']} | {100 * c['faithful']:.1f} | "
                             f"{100 * c['all_faithful']:.1f} | {100 * c['layouts_differ']:.1f} | "
                             f"{100 * c['right_count']:.1f} | "
                             f"{100 * f['shape']:.1f} | {100 * f['colour']:.1f} | {100 * f['size']:.1f} |")
    return "\n".join(lines) + "\n"


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact sign test: how likely a split at least this uneven is by chance."""
    n, k = wins + losses, min(wins, losses)
    if n == 0:
        return 1.0
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n)


def _failed_attributes(item: dict) -> set[tuple[str, str]]:
    """('1', 'shape') for 'object 1 shape: saw square'; ('', 'background') for the background."""
    out = set()
    for failure in item["failures"]:
        match = re.match(r"object (\d+) (\w+)", failure)
        out.add((match[1], match[2]) if match else ("", failure.split(":")[0]))
    return out


def compare(baseline: dict, new: dict) -> dict:
    """Paired per-object comparison of two scores.json of the same prompts in the same order."""
    base_items, new_items = baseline["items"], new["items"]
    if [i["prompt"] for i in base_items] != [i["prompt"] for i in new_items]:
        raise ValueError(f"the runs scored different prompts ({len(base_items)} and {len(new_items)}): "
                         "compare runs made with the same --count, --held-out and --seed")
    fixed, broken = Counter(), Counter()
    only_new = only_baseline = 0
    for old, now in zip(base_items, new_items):
        old_failed, new_failed = _failed_attributes(old), _failed_attributes(now)
        fixed.update(attr for _, attr in old_failed - new_failed)
        broken.update(attr for _, attr in new_failed - old_failed)
        only_new += now["ok"] and not old["ok"]
        only_baseline += old["ok"] and not now["ok"]
    return {"fixed": dict(fixed), "broken": dict(broken),
            "fully_right": {"baseline": sum(i["ok"] for i in base_items), "new": sum(i["ok"] for i in new_items),
                            "only_new": only_new, "only_baseline": only_baseline,
                            "sign_test_p": sign_test(only_new, only_baseline)}}


def comparison_report(baseline: dict, new: dict, names=("baseline", "new")) -> str:
    c = compare(baseline, new)
    right = c["fully_right"]
    lines = [f"Paired comparison, {names[1]} against {names[0]} ({len(new['items'])} prompts): objects (or videos, "
             "for background and caption) judged right by one run and wrong by the other.", "",
             "| attribute | fixed | broken |", "|---|---|---|"]
    changed = [attr for attr in ATTRIBUTES if c["fixed"].get(attr) or c["broken"].get(attr)]
    lines += [f"| {attr} | {c['fixed'].get(attr, 0)} | {c['broken'].get(attr, 0)} |" for attr in changed]
    lines += [] if changed else ["| (none) | 0 | 0 |"]
    lines += ["", f"Fully right videos: {right['baseline']} -> {right['new']}; right only with {names[1]}: "
              f"{right['only_new']}, only with {names[0]}: {right['only_baseline']} "
              f"(two-sided sign test p = {right['sign_test_p']:.3f})."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prompts")
    p.add_argument("--count", type=int, default=160)
    p.add_argument("--held-out", type=int, default=40)
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--out", required=True)
    v = sub.add_parser("vote")
    v.add_argument("run", help="a folder with manifest.json: writes votes.json beside it")
    s = sub.add_parser("score")
    s.add_argument("runs", nargs="+")
    s.add_argument("--out", required=True, help="markdown report")
    c = sub.add_parser("compare")
    c.add_argument("baseline", help="scores.json of the run to beat (e.g. models/<name>/samples/scores.json)")
    c.add_argument("new", help="scores.json of the candidate, same prompts")
    c.add_argument("--out", help="also write the markdown here")
    args = parser.parse_args(argv)
    if args.command == "prompts":
        write_prompts(args)
        return
    if args.command == "vote":
        vote(Path(args.run))
        return
    if args.command == "compare":
        scores = [json.loads(Path(path).read_text()) for path in (args.baseline, args.new)]
        try:
            text = comparison_report(*scores, names=(scores[0]["model"], scores[1]["model"]))
        except ValueError as error:
            raise SystemExit(f"compare: {error}") from None
        if args.out:
            Path(args.out).write_text(text)
        print(text)
        return
    runs = [(Path(r), score_run(Path(r))) for r in args.runs]
    text = report(runs)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
