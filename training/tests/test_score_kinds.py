"""score_kinds: the per-kind breakdown of an `npm run eval` scores.json."""
import json

import pytest

from firstframe_train import score_kinds


def scores(failures_by_prompt):
    prompts = ["a small red cross bouncing and a blue circle still on a black background",
               "a big green square moving left on a white background"]
    return {"items": [{"index": i, "prompt": p, "failures": f}
                      for i, (p, f) in enumerate(zip(prompts, failures_by_prompt))]}


def rows(lines):
    return {cells[0]: cells[1:] for cells in ([c.strip() for c in line.split("|")[1:-1]] for line in lines[2:])}


def test_kinds_count_each_object_once_per_kind():
    run = score_kinds.object_results(scores([["object 1 consistency", "object 2 shape: saw square"], []]),
                                     "consistency")
    table = rows(score_kinds.table(run, None, "consistency"))
    assert table["all"] == ["3", "66.7"]
    assert table["bouncing"] == ["1", "0.0"] and table["cross"] == ["1", "0.0"]
    assert table["in a two-object scene"] == ["2", "50.0"] and table["alone"] == ["1", "100.0"]
    assert table["medium"] == ["1", "100.0"]  # no size word: the default size


def test_against_a_baseline_counts_fixed_and_broken_objects(tmp_path, capsys):
    new, old = tmp_path / "new.json", tmp_path / "old.json"
    new.write_text(json.dumps(scores([["object 2 consistency"], []])))
    old.write_text(json.dumps(scores([["object 1 consistency"], ["object 1 consistency"]])))
    score_kinds.main([str(new), str(old)])
    table = rows(capsys.readouterr().out.splitlines())
    assert table["all"] == ["3", "66.7", "33.3", "2 / 1"]
    assert table["still"] == ["1", "0.0", "100.0", "0 / 1"]


def test_other_prompts_are_refused(tmp_path):
    new, old = tmp_path / "new.json", tmp_path / "old.json"
    new.write_text(json.dumps(scores([[], []])))
    old.write_text(json.dumps({"items": scores([[], []])["items"][:1]}))
    with pytest.raises(SystemExit, match="not from the same prompts"):
        score_kinds.main([str(new), str(old)])
