"""Parity of every workload between PyTorch and each other framework, through the real worker code."""

import numpy as np
import pytest

from dlarena import frameworks, workloads
from dlarena.criteria import parity
from parity_util import capture


def _capture(tmp_path, workload: str, framework: str) -> str:
    return capture(tmp_path, workload, framework)[0]


OTHERS = [fw for fw in frameworks.names() if fw != "torch"]


@pytest.fixture(scope="module")
def captures(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("parity")
    installed = [fw for fw in frameworks.names() if frameworks.info(fw).is_installed()]
    return {(w, fw): _capture(tmp, w, fw) for w in workloads.DEFAULT for fw in installed}


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
    record["grad:fc2.kernel"] = record["grad:fc2.kernel"] * 1.01  # a 1% gradient error
    bad = tmp_path / "bad.npz"
    np.savez(bad, **record)
    result = parity.compare(spec, captures[("mlp", "torch")], str(bad), "torch")
    assert result["status"] == "not_comparable"
    assert "gradient of fc2.kernel" in result["error"]
    assert "> tolerance 1e-03" in result["error"]


def test_weight_map_inconsistency_is_reported():
    from dlarena.frameworks.base import WeightMapper

    spec = workloads.get("mlp")
    mapper = WeightMapper(spec, "torch_model", lambda k, a: a, lambda k, a, s: a)
    with pytest.raises(ValueError, match="model params not in the weight map: \\['extra.weight'\\]"):
        mapper.check_coverage(set(mapper.mapping) | {"extra.weight"})
