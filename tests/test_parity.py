"""Parity of every workload between PyTorch and each other framework, through the real worker code."""

import numpy as np
import pytest

from dlarena import frameworks, workloads
from dlarena.parity import check as parity
from dlarena.parity import noise_floor
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


# -- the rule itself, on synthetic records (no framework: fast; `-k rule`, issue 32) -------------
class _Spec:
    """The one thing parity.compare reads of a workload: its fixed tolerances."""
    from dlarena.workloads.base import Tolerance as _T
    tolerance = _T()


def _record(path, forward, loss, grads: dict, f64: bool = True, noise: float = 1e-9):
    """A record as the worker writes it: fp32 arrays and, with ``f64``, float64 twins ``noise``
    (relative) apart -- each framework's measured rounding noise."""
    arrays = {"forward": np.asarray(forward, np.float64), "loss": np.asarray(loss, np.float64),
              **{f"grad:{k}": np.asarray(v, np.float64) for k, v in grads.items()},
              "step:w": np.array([0.5, -0.5])}
    if f64:
        arrays.update({f"f64:{k}": v * (1 + noise) for k, v in list(arrays.items())})
    else:
        arrays["f64:note"] = np.array("no float64 here")
    np.savez(path, **arrays)
    return str(path)


def _parity(tmp_path, ref: dict, other: dict, **kw) -> dict:
    return parity.compare(_Spec(), _record(tmp_path / "ref.npz", **ref, **kw), _record(tmp_path / "other.npz", **other, **kw),
                          "torch")


GOOD = {"forward": [1.0, -2.0, 3.0], "loss": 0.5, "grads": {"w": [1.0, -1.0], "b": [0.01, 0.02]}}


@pytest.mark.parametrize("f64", [True, False])
def test_rule_nan_or_inf_in_forward_loss_or_a_gradient_fails(tmp_path, f64):
    assert _parity(tmp_path, GOOD, GOOD, f64=f64)["status"] == "ok"
    for bad in (float("nan"), float("inf")):
        nan_out = {**GOOD, "forward": [bad, bad, bad], "loss": bad}
        result = _parity(tmp_path, GOOD, nan_out, f64=f64)
        assert result["status"] == "not_comparable" and "forward: rel diff" in result["error"]
        assert "loss: rel diff" in result["error"]
        # a NaN gradient beside good ones (one a little off, within its limit) is the worst one, named
        nan_grad = {**GOOD, "grads": {"w": [bad, 1.0], "b": [0.01 + 1e-9, 0.02]}}
        result = _parity(tmp_path, GOOD, nan_grad, f64=f64)
        assert result["status"] == "not_comparable" and "gradient of w: rel diff" in result["error"]
    assert noise_floor.Check("x", float("nan"), 0.0, 1.0).ok is False


def test_rule_a_1_percent_error_in_a_small_gradient_fails(tmp_path):
    # b is 1/100 of the largest gradient: above GRAD_FLOOR (1e-3), so it is compared at its own
    # scale, and a 1% error there is 1e-2 > the 1e-3 tolerance (at the largest one's scale, 1e-4).
    off = {**GOOD, "grads": {"w": [1.0, -1.0], "b": [0.01 * 1.01, 0.02 * 1.01]}}
    result = _parity(tmp_path, GOOD, off, f64=False)
    assert result["status"] == "not_comparable" and "gradient of b: rel diff 1.00e-02 > tolerance 1e-03" in result["error"]


def test_rule_a_numerically_zero_gradient_is_judged_at_the_largest_ones_scale(tmp_path):
    # b is float noise (1e-5 of the largest, below GRAD_FLOOR): two noises differ by 100% of
    # themselves, and by 1e-5 of the largest gradient, which is all that matters.
    ref = {**GOOD, "grads": {"w": [1.0, -1.0], "b": [1e-5, 0.0]}}
    other = {**GOOD, "grads": {"w": [1.0, -1.0], "b": [0.0, 1e-5]}}
    result = _parity(tmp_path, ref, other, f64=False)
    assert result["status"] == "ok", result.get("error")


def test_rule_every_gradient_is_checked_not_only_the_first(tmp_path):
    grads = {f"g{i}": [1.0, 2.0] for i in range(4)}
    off = {**GOOD, "grads": {**grads, "g3": [1.0, 2.5]}}
    result = _parity(tmp_path, {**GOOD, "grads": grads}, off)
    assert result["status"] == "not_comparable" and "gradient of g3" in result["error"]


def test_rule_a_tensor_both_compute_exactly_gets_the_absolute_floor(tmp_path):
    # floor 0 (fp32 == fp64 on both sides): the limit is ABSOLUTE_FLOOR, not 0, so a 1e-7 difference passes
    exact = {**GOOD, "forward": [1.0, 1.0, 1.0]}
    near = {**GOOD, "forward": [1.0 + 1e-7, 1.0, 1.0]}
    result = _parity(tmp_path, exact, near, noise=0.0)
    assert result["status"] == "ok", result.get("error")
    row = next(r for r in result["metrics"] if r["metric"] == "parity_forward_rel_diff")
    assert row["extra"]["tolerance"] == noise_floor.ABSOLUTE_FLOOR
    far = {**GOOD, "forward": [1.0 + 1e-5, 1.0, 1.0]}
    assert _parity(tmp_path, exact, far, noise=0.0)["status"] == "not_comparable"


# -- noise_floor.rel / check on their own (edges mutmut found untested; docs/mutation.md) -----------
class _Rec(dict):
    @property
    def files(self):
        return list(self)


def test_rule_rel_of_empty_tensors_is_zero():
    assert noise_floor.rel(np.zeros(0), np.zeros(0), 1.0) == 0.0


def test_rule_floor_is_the_sum_of_both_frameworks_floors():
    ref = _Rec(w=np.array([1.0]), **{"f64:w": np.array([1.001])})  # floor 1e-3
    other = _Rec(w=np.array([1.004]), **{"f64:w": np.array([1.002])})  # floor 2e-3
    c = noise_floor.check(ref, other, "w", 1.0, 0.5, floors=True)
    assert (c.diff, c.floor, c.limit) == pytest.approx((4e-3, 3e-3, 4 * 3e-3 + 1e-6))


@pytest.mark.parametrize("ref_f64, other_f64, floors", [(True, False, True), (False, True, True), (True, True, False)])
def test_rule_fixed_tolerance_without_both_float64_records_or_without_floors(ref_f64, other_f64, floors):
    ref = _Rec(w=np.array([1.0]), **({"f64:w": np.array([1.001])} if ref_f64 else {}))
    other = _Rec(w=np.array([1.004]), **({"f64:w": np.array([1.002])} if other_f64 else {}))
    c = noise_floor.check(ref, other, "w", 1.0, 0.5, floors=floors)
    assert (c.floor, c.limit) == (None, 0.5)
