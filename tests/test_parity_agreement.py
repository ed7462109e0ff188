"""Comparability per framework (parity/agreement.py): the frameworks that agree with the reference
are timed, one that differs is left out with its finding; the reference is the first selected
unless another record agrees with strictly more records. The rule alone (a fake comparison), then
through the scheduler on synthetic parity records (tests/helpers/fault_cells.py:record_by_framework)."""

import pytest

from dlarena.config import build_config
from dlarena.criteria.speed import cells as speed, views
from dlarena.measure.env import fingerprint
from dlarena.parity.agreement import decide
from dlarena.report import render
from dlarena.runner.scheduler import SuiteRunner
from dlarena.store.db import ResultStore

FINDING = "gradient of block_12_depthwise_BN/beta: rel diff 3.05e-02 > limit 8.1e-05 (noise floor 2.0e-05)"


def _groups(*groups: str):
    """A comparison where frameworks agree exactly when they share a group ("ab", "cd": a~b, c~d)."""
    calls = []

    def compare(reference: str, other: str) -> dict:
        calls.append((reference, other))
        if any(reference in g and other in g for g in groups):
            return {"status": "ok", "metrics": [{"metric": "m", "value": 0.0}]}
        return {"status": "not_comparable", "error": f"parity with {reference} failed: x",
                "finding": f"x of {other}", "metrics": []}
    return compare, calls


def _timed(standings) -> list[str]:
    return [fw for fw, s in standings.items() if s.not_timed is None]


def test_all_agree_first_selected_is_the_reference_and_only_its_pairs_are_compared():
    compare, calls = _groups("abc")
    reference, standings = decide(["a", "b", "c"], compare, str.upper)
    assert reference == "a" and sorted(_timed(standings)) == ["a", "b", "c"]
    assert calls == [("a", "b"), ("a", "c")]  # no pairwise comparisons when all agree with the first
    assert standings["b"].result["metrics"] == [{"metric": "m", "value": 0.0}]
    assert standings["a"].result["metrics"][0]["metric"] == "parity_reference"


def test_one_of_three_differs_is_left_out_with_its_finding():
    reference, standings = decide(["a", "b", "c"], _groups("ab")[0], str.upper)
    assert reference == "a" and sorted(_timed(standings)) == ["a", "b"]
    assert standings["c"].not_timed == "differs from A at x of c: not timed"
    assert standings["c"].result["status"] == "not_comparable"


def test_the_reference_that_differs_gives_way_to_the_majority():
    reference, standings = decide(["a", "b", "c"], _groups("bc")[0], str.upper)
    assert reference == "b" and sorted(_timed(standings)) == ["b", "c"]
    note = "A, the first selected, is the odd one out: its record agrees with 0 of the 2 others, B's with 1, so B is the reference"
    assert standings["a"].not_timed == f"differs from B at x of a: not timed; {note}"
    assert standings["a"].result["error"] == f"parity with b failed: x; {note}"
    assert standings["b"].result["metrics"][0]["extra"] == {"role": "reference", "note": note}


def test_a_tie_keeps_the_first_selected_as_reference():
    # a~b and c~d: two records agree with each, so no majority: a stays the reference
    reference, standings = decide(["a", "b", "c", "d"], _groups("ab", "cd")[0], str.upper)
    assert reference == "a" and sorted(_timed(standings)) == ["a", "b"]
    assert "odd one out" not in standings["c"].not_timed


def test_one_more_agreement_than_the_first_selected_makes_the_reference():
    # b agrees with a, c and d; a only with b: b is the reference, and all four are timed
    reference, standings = decide(["a", "b", "c", "d"], _groups("ab", "bcd")[0], str.upper)
    assert reference == "b" and sorted(_timed(standings)) == ["a", "b", "c", "d"]


@pytest.mark.parametrize("recorded", [["a", "b"], ["a", "b", "c"]])
def test_no_two_agreeing_times_none(recorded):
    reference, standings = decide(recorded, _groups()[0], str.upper)
    assert reference == "a" and _timed(standings) == []
    assert standings["a"].result["status"] == "not_comparable"
    assert standings["a"].not_timed.startswith("no two frameworks' parity records agree")


def test_a_lone_record_is_timed():
    reference, standings = decide(["a"], _groups()[0], str.upper)
    assert reference == "a" and _timed(standings) == ["a"]
    assert decide([], _groups()[0], str.upper) == (None, {})


# -- through the scheduler: stored statuses and error texts --------------------------------

IGNORE_CONTENTION = {"contended_other_cpu_pct": 100.0, "contended_probe_slowdown": 1e9, "contended_runq_wait_pct": 1e9}


@pytest.fixture
def run(tmp_path, monkeypatch, fault_entries):
    def run_with(frameworks, odd=(), fail=()):
        monkeypatch.setenv("DLARENA_TEST_PARITY_ODD", ",".join(odd))
        monkeypatch.setenv("DLARENA_TEST_PARITY_FAIL", ",".join(fail))
        config = build_config(
            workloads=["mlp"], frameworks=list(frameworks), modes=["eager"], scenarios=["infer_throughput"],
            timing={"warmup_iters": 0, "warmup_s": 0, "min_iters": 5, "min_s": 0, "max_s": 5}, timeout_s=20,
            repetitions={"min_windows": 2, "max_windows": 2, "gap_s": 0, **IGNORE_CONTENTION})
        store = ResultStore(tmp_path / "r.duckdb")
        store.start_run("r", "custom", config.model_dump(), fingerprint(1, 1))
        SuiteRunner(config, store, "r", entries={"parity": "helpers.fault_cells:record_by_framework"},
                    drivers={"speed": "helpers.fault_speed"}).run()
        cells = {(c["framework"], c["scenario"]): c for c in store.cells("r")}
        references = {r["cell_id"].split("/")[1] for r in store.measurements("r") if r["metric"] == "parity_reference"}
        return cells, references, store
    return run_with


def _compared(store) -> dict[str, list[str]]:
    """Per framework with a speed score: whom it was compared with (the summary's and the recommendation's source)."""
    out = speed.scores(store.cells("r"), store.measurements("r"))
    return {fw: [c["against"] for c in s["comparisons"]] for fw, s in out.items()}


def _view(store) -> tuple[bool, list[str], list[str]]:
    [view] = views.build(store.cells("r"), store.measurements("r"))
    return view.comparable, view.compared, view.left_out


def _parity_line(store, tmp_path, monkeypatch) -> str:
    """summary.md's parity line (the criteria's sections and the plots left out: slow, and not read here)."""
    monkeypatch.setattr(render, "_sections", lambda *_: [])
    monkeypatch.setattr(render.plots, "workload_figure", lambda view: None)
    _, md = render.write_report(store, store.run("r"), tmp_path / "report")
    return next(line for line in md.read_text().splitlines() if line.startswith("Parity ("))


def _statuses(cells, scenario):
    return {fw: c["status"] for (fw, s), c in cells.items() if s == scenario}


def test_run_one_of_three_differs_the_two_others_are_timed_and_compared(run, tmp_path, monkeypatch):
    cells, references, store = run(["torch", "tensorflow", "jax"], odd=["jax"])
    assert _statuses(cells, "infer_throughput") == {"torch": "ok", "tensorflow": "ok", "jax": "not_comparable"}
    assert cells["jax", "infer_throughput"]["error"] == f"differs from PyTorch at {FINDING}: not timed"
    assert _statuses(cells, "parity") == {"torch": "ok", "tensorflow": "ok", "jax": "not_comparable"}
    assert references == {"torch"}
    assert _compared(store) == {"torch": ["tensorflow"], "tensorflow": ["torch"]}
    assert _parity_line(store, tmp_path, monkeypatch) == "Parity (comparable: PyTorch, TensorFlow; not timed: JAX):"


def test_run_the_reference_differs_the_majority_is_the_reference(run):
    cells, references, _ = run(["torch", "tensorflow", "jax"], odd=["torch"])
    assert _statuses(cells, "infer_throughput") == {"torch": "not_comparable", "tensorflow": "ok", "jax": "ok"}
    note = ("PyTorch, the first selected, is the odd one out: its record agrees with 0 of the 2 others, "
            "TensorFlow's with 1, so TensorFlow is the reference")
    assert cells["torch", "infer_throughput"]["error"] == f"differs from TensorFlow at {FINDING}: not timed; {note}"
    assert cells["torch", "parity"]["error"] == f"parity with tensorflow failed: {FINDING}; {note}"
    assert references == {"tensorflow"}


def test_run_two_of_two_differ_neither_is_timed(run):
    cells, _, store = run(["torch", "tensorflow"], odd=["tensorflow"])
    assert _statuses(cells, "infer_throughput") == {"torch": "not_comparable", "tensorflow": "not_comparable"}
    assert cells["tensorflow", "infer_throughput"]["error"] == f"differs from PyTorch at {FINDING}: not timed"
    assert cells["torch", "infer_throughput"]["error"] == (
        "no two frameworks' parity records agree (TensorFlow differs from PyTorch): no majority names the odd "
        "one out, so none is timed")
    assert _compared(store) == {}
    assert _view(store) == (False, [], ["PyTorch", "TensorFlow"])


def test_run_all_agree_all_are_timed(run):
    cells, references, store = run(["torch", "tensorflow", "jax"])
    assert _statuses(cells, "infer_throughput") == {"torch": "ok", "tensorflow": "ok", "jax": "ok"}
    assert _statuses(cells, "parity") == {"torch": "ok", "tensorflow": "ok", "jax": "ok"}
    assert references == {"torch"}
    assert _view(store) == (True, ["PyTorch", "TensorFlow", "JAX"], [])


def test_run_a_failed_capture_leaves_out_only_its_framework(run):
    cells, _, _ = run(["torch", "tensorflow", "jax"], fail=["tensorflow"])
    assert _statuses(cells, "infer_throughput") == {"torch": "ok", "tensorflow": "not_comparable", "jax": "ok"}
    assert cells["tensorflow", "infer_throughput"]["error"] == "parity check did not pass (tensorflow: failed)"


# -- records slimmed once every framework agrees (parity/check.py: slim) ---------------------

def _record_files(tmp_path) -> dict[str, list[str]]:
    import numpy as np

    return {p.stem.split("__")[1]: sorted(np.load(p).files) for p in tmp_path.glob("artifacts/r/parity/*.npz")}


@pytest.mark.parametrize("odd", [(), ("jax",)])
def test_records_lose_their_bulk_only_when_every_framework_agrees(run, tmp_path, monkeypatch, odd):
    from dlarena.parity import check

    monkeypatch.setattr(check, "SLIM_ABOVE_BYTES", 0)
    run(["torch", "tensorflow", "jax"], odd=odd)
    files = _record_files(tmp_path)
    assert set(files) == {"torch", "tensorflow", "jax"}
    whole = ["f64:forward", "f64:grad:block_12_depthwise_BN/beta", "f64:loss", "f64:step:w",
             "forward", "grad:block_12_depthwise_BN/beta", "loss", "step:w"]
    if odd:  # kept whole, every one: the finding can be looked at again
        assert all(f == whole for f in files.values())
    else:
        assert all(f == ["f64:forward", "f64:loss", "forward", "loss", "meta:slimmed"] for f in files.values())


def test_a_record_at_the_size_limit_stays_whole(tmp_path, monkeypatch):
    import numpy as np

    from dlarena.parity import check

    path = tmp_path / "w__torch.npz"
    np.savez(path, forward=np.ones(4), **{"grad:w": np.ones(4), "f64:step:w": np.ones(4), "tlayer:x": np.ones(4),
                                          "generation:ids": np.arange(3)})
    monkeypatch.setattr(check, "SLIM_ABOVE_BYTES", path.stat().st_size)
    assert not check.slim(path) and len(np.load(path).files) == 5
    monkeypatch.setattr(check, "SLIM_ABOVE_BYTES", path.stat().st_size - 1)
    assert check.slim(path)
    record = np.load(path)
    assert sorted(record.files) == ["forward", "generation:ids", "meta:slimmed"] and list(record["generation:ids"]) == [0, 1, 2]
    assert str(record["meta:slimmed"]).startswith("gradients, optimizer step and layer outputs dropped")
    assert not list(tmp_path.glob("*.slim.npz")) and not check.slim(tmp_path / "missing.npz")
