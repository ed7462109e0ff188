"""Parity with random layers switched off: custom workloads whose both sides have dropout, and
random draws dlarena cannot switch off, named as the likely cause."""

import numpy as np
import pytest

from dlarena import workloads
from cli_util import clean_registry_env  # noqa: F401 - the fixture applies to every test here
from dlarena.criteria import parity
from parity_util import capture

# {noise}: what the PyTorch model and the Keras model add in training (nothing, or a random jitter).
WORKLOAD = '''
import types
from dlarena.workloads.base import Workload, dense

WORKLOAD = Workload(name="{name}", description="MLP with dropout", input_kind="features", input_shape=(16,),
                    num_classes=4, config={{}}, params={{**dense(16, 32, "fc1"), **dense(32, 4, "fc2")}},
                    batch_sizes={{"parity": 8, "infer_latency": 1}})


def _torch(config):
    import torch
    import torch.nn.functional as F

    class Noise(torch.nn.Module):
        def forward(self, h):
            return h + 0.1 * torch.randn_like(h) if {noise} and self.training else h

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.noise, self.drop, self.fc2 = (torch.nn.Linear(16, 32), Noise(), torch.nn.Dropout(0.3),
                                                         torch.nn.Linear(32, 4))

        def forward(self, x):
            h = F.dropout(torch.relu(self.fc1(x)), 0.2, self.training)  # functional dropout
            return self.fc2(self.drop(self.noise(h)))

    return Net()


def _keras(config):
    import keras

    class Jitter(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed = keras.random.SeedGenerator(7)

        def call(self, h, training=False):
            return h + 0.1 * keras.random.normal(keras.ops.shape(h), seed=self.seed) if training else h

    layers = [keras.Input((16,)), keras.layers.Dense(32, activation="relu", name="fc1"), keras.layers.Dropout(0.2),
              *([Jitter(name="jitter")] if {noise} else []), keras.layers.Dropout(0.3, name="drop"),
              keras.layers.Dense(4, name="fc2")]
    return keras.Sequential(layers, name="net")


torch_model = types.SimpleNamespace(build_model=_torch, WEIGHT_MAP={{"fc1.weight": "fc1.kernel", "fc1.bias": "fc1.bias",
                                                                   "fc2.weight": "fc2.kernel", "fc2.bias": "fc2.bias"}})
keras_model = types.SimpleNamespace(build_model=_keras, WEIGHT_MAP={{"net/fc1/kernel": "fc1.kernel", "net/fc1/bias": "fc1.bias",
                                                                   "net/fc2/kernel": "fc2.kernel", "net/fc2/bias": "fc2.bias"}})
'''


def _records(tmp_path, name: str, noise: bool) -> tuple[str, str, dict]:
    path = tmp_path / f"{name}.py"
    path.write_text(WORKLOAD.format(name=name, noise=noise))
    workloads.register_sources([str(path)])
    (torch_record, torch_result), (tf_record, tf_result) = (capture(tmp_path, name, fw) for fw in ("torch", "tensorflow"))
    return torch_record, tf_record, {"torch": torch_result, "tensorflow": tf_result}


def test_dropout_on_both_sides_is_switched_off_for_parity(tmp_path):
    torch_record, tf_record, results = _records(tmp_path, "dropmlp", noise=False)
    assert results["torch"]["runtime"]["parity_randomness_disabled"] == ["drop", "forward: dropout()"]
    assert results["tensorflow"]["runtime"]["parity_randomness_disabled"] == ["dropout", "drop"]
    result = parity.compare(workloads.get("dropmlp"), torch_record, tf_record, "torch")
    assert result["status"] == "ok", result.get("error")
    rows = {r["metric"]: r for r in result["metrics"]}
    assert rows["parity_grad_rel_diff"]["value"] < rows["parity_grad_rel_diff"]["extra"]["tolerance"] < 1e-4
    assert rows["parity_forward_rel_diff"]["extra"]["note"] == "parity checked with 2 random layers disabled: dropout, drop"


def test_random_draws_that_cannot_be_switched_off_are_named(tmp_path):
    torch_record, tf_record, _ = _records(tmp_path, "noisymlp", noise=True)
    result = parity.compare(workloads.get("noisymlp"), torch_record, tf_record, "torch")
    assert result["status"] == "not_comparable"
    assert "gradient of fc1.kernel: rel diff" in result["error"] or "gradient of fc2.kernel: rel diff" in result["error"]
    assert ("the model draws random numbers dlarena cannot switch off, in jitter (Jitter), noise (randn_like): "
            "the likely cause (each framework draws its own)") in result["error"]
    # Their float32 and float64 passes draw different numbers, so no noise floor: the fixed tolerance.
    assert result["error"].endswith("fixed tolerance (no noise floor: random draws that cannot be switched off "
                                    "make the noise floor meaningless)")
