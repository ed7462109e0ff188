"""Parity of every workload between PyTorch and each other framework, through the real worker code."""

import numpy as np
import pytest

from dlarena import frameworks, workloads
from dlarena.parity import check as parity
from helpers.parity_util import capture_side_by_side

OTHERS = [fw for fw in frameworks.names() if fw != "torch"]


@pytest.fixture(scope="module")
def captures(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("parity")
    installed = [fw for fw in frameworks.names() if frameworks.info(fw).is_installed()]
    pairs = [(w, fw) for w in reversed(workloads.DEFAULT) for fw in installed]  # the largest workload first
    return {pair: path for pair, (path, _) in capture_side_by_side(tmp, pairs).items()}


@pytest.mark.parametrize("framework", OTHERS)
@pytest.mark.parametrize("workload", workloads.DEFAULT)
def test_framework_matches_pytorch(captures, workload, framework):
    if not frameworks.info(framework).is_installed():
        pytest.skip(f"{framework} is not installed: {frameworks.info(framework).install_hint}")
    spec = workloads.get(workload)
    result = parity.compare(spec, captures[(workload, "torch")], captures[(workload, framework)], "torch")
    assert result["status"] == "ok", result.get("error")
    diffs = {r["metric"]: r["value"] for r in result["metrics"]}
    assert diffs["parity_forward_rel_diff"] < spec.tolerance.forward
    assert diffs["parity_loss_rel_diff"] < spec.tolerance.loss
    assert diffs["parity_grad_rel_diff"] < spec.tolerance.grad
    assert diffs["parity_step_rel_diff"] < spec.tolerance.grad
    # every trainable canonical parameter has a gradient in the record
    record = np.load(captures[(workload, framework)])
    trainable = {k for k, p in spec.params.items() if p.trainable}
    assert {k[5:] for k in record.files if k.startswith("grad:")} == trainable


def test_perturbed_model_is_not_comparable(captures, tmp_path):
    spec = workloads.get("mlp")
    record = dict(np.load(captures[("mlp", "tensorflow")]))
    for key in ("grad:fc2.kernel", "f64:grad:fc2.kernel"):  # a 1% gradient error, as a structural mistake
        record[key] = record[key] * 1.01                     # makes it: in float32 and float64 alike
    bad = tmp_path / "bad.npz"
    np.savez(bad, **record)
    result = parity.compare(spec, captures[("mlp", "torch")], str(bad), "torch")
    assert result["status"] == "not_comparable"
    assert "gradient of fc2.kernel: rel diff 1.0" in result["error"]
    limit = next(r for r in result["metrics"] if r["metric"] == "parity_grad_rel_diff")["extra"]
    assert limit["rule"] == "noise floor x4 + 1e-06" and limit["noise_floor"] < 1e-5 and limit["tolerance"] < 1e-4
    assert f"> limit {limit['tolerance']:.1e} (noise floor {limit['noise_floor']:.1e})" in result["error"]


def test_floors_are_measured_for_every_framework(captures):
    """Every framework records a float64 twin, and its fp32 error against it is real but small."""
    for (workload, framework), path in captures.items():
        record = np.load(path)
        assert "f64:forward" in record.files, (workload, framework, record.get("f64:note"))
        floor = np.max(np.abs(record["forward"] - record["f64:forward"])) / np.max(np.abs(record["f64:forward"]))
        assert 0 < floor < 1e-5, (workload, framework, floor)


def test_without_float64_the_fixed_tolerance_applies_and_is_named(captures, tmp_path):
    spec = workloads.get("mlp")
    record = {k: v for k, v in np.load(captures[("mlp", "tensorflow")]).items() if not k.startswith("f64:")}
    record["f64:note"] = np.array("TypeError: no float64 kernel")
    np.savez(tmp_path / "no64.npz", **record)
    result = parity.compare(spec, captures[("mlp", "torch")], str(tmp_path / "no64.npz"), "torch")
    assert result["status"] == "ok"
    rows = {r["metric"]: r["extra"] for r in result["metrics"]}
    assert rows["parity_grad_rel_diff"]["tolerance"] == spec.tolerance.grad
    assert rows["parity_grad_rel_diff"]["noise_floor"] is None
    assert rows["parity_grad_rel_diff"]["rule"] == ("fixed tolerance (no noise floor: this framework: "
                                                   "TypeError: no float64 kernel)")


def test_weight_map_inconsistency_is_reported():
    from dlarena.frameworks.base import WeightMapper

    spec = workloads.get("mlp")
    mapper = WeightMapper(spec, "torch_model", lambda k, a: a, lambda k, a, s: a)
    with pytest.raises(ValueError, match="model params not in the weight map: \\['extra.weight'\\]"):
        mapper.check_coverage(set(mapper.mapping) | {"extra.weight"})
