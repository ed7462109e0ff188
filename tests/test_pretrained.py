"""Pretrained-model inventory: the installed keras.applications, missing and broken zoos
reported as such, a stand-in zoo counted, one-framework-only lists."""

import importlib.machinery
import sys
import types

from dlarena.config import Cell
from dlarena.criteria import pretrained as crit
from dlarena.pretrained import inventory


def test_tensorflow_inventory_lists_keras_applications_and_reports_missing_zoos():
    zoos = {z.name: z for z in inventory.inventory("tensorflow")}
    apps = zoos["keras.applications"]
    assert apps.status == "ok" and apps.count >= 30 and "ResNet50" in apps.domains["vision"]
    for name, zoo in zoos.items():
        if zoo.status == "not installed":
            assert f"package '{zoo.package}' is not installed" == zoo.note


def test_jax_inventory_counts_keras_zoos_via_keras_3_and_flax_as_no_zoo():
    zoos = {z.name: z for z in inventory.inventory("jax")}
    assert list(zoos) == ["flax", "keras.applications", "keras-hub", "transformers (Flax classes)"]
    assert zoos["flax"].status == "ok" and zoos["flax"].count == 0 and "not a pretrained model zoo" in zoos["flax"].note
    apps = zoos["keras.applications"]
    assert apps.label == "keras.applications (via Keras 3)" and apps.count >= 30 and "ResNet50" in apps.domains["vision"]
    assert zoos["keras-hub"].label == "keras-hub (via Keras 3)"
    # the same Keras 3 zoo, counted for both of its users
    tf_apps = next(z for z in inventory.inventory("tensorflow") if z.name == "keras.applications")
    assert inventory.distinct([apps]) == inventory.distinct([tf_apps])


def test_zoo_sources_are_registered_per_framework():
    from dlarena import frameworks
    from dlarena.config import build_config

    assert frameworks.with_plugin("pretrained", frameworks.FRAMEWORKS) == ["torch", "tensorflow", "jax"]
    assert inventory.sources("keras-jax") == [] and inventory.inventory("keras-jax") == []
    cells = crit.plan_global(build_config(frameworks=["torch", "jax", "keras-jax"]))
    assert [c.id for c in cells] == ["-/torch/inventory/pretrained/b0", "-/jax/inventory/pretrained/b0"]


def test_flax_transformers_classes_are_listed_when_present(monkeypatch):
    auto = types.ModuleType("transformers.models.auto.modeling_flax_auto")
    auto.FLAX_MODEL_MAPPING_NAMES = {"bert": "FlaxBertModel", "vit": "FlaxViTModel", "wav2vec2": "FlaxWav2Vec2Model"}
    auto.FLAX_MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING_NAMES = {"vit": "FlaxViTForImageClassification"}
    auto.FLAX_MODEL_FOR_SPEECH_SEQ_2_SEQ_MAPPING_NAMES = {"wav2vec2": "x"}
    monkeypatch.setitem(sys.modules, "transformers.models.auto.modeling_flax_auto", auto)
    listed = inventory.list_transformers("FLAX_")(None)
    assert listed == {"text": ["bert"], "vision": ["vit"], "audio": ["wav2vec2"]}


def test_missing_and_broken_packages_are_reported(tmp_path, monkeypatch):
    (tmp_path / "dlarena_broken_zoo.py").write_text("raise RuntimeError('operator torchvision::nms does not exist')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    broken = inventory.inspect_zoo("broken", "dlarena_broken_zoo", lambda m: {}, "torch")
    assert broken.status == "not importable" and "torchvision::nms" in broken.note
    missing = inventory.inspect_zoo("absent", "dlarena_absent_zoo", lambda m: {}, "torch")
    assert missing.status == "not installed"


def _fake_timm(monkeypatch, names):
    module = types.ModuleType("timm")
    module.__spec__ = importlib.machinery.ModuleSpec("timm", None)
    module.__version__ = "0.0-test"
    module.list_models = lambda: list(names)
    monkeypatch.setitem(sys.modules, "timm", module)


def test_inventory_cells_counts_and_one_framework_only(monkeypatch):
    _fake_timm(monkeypatch, ["resnet50", "vit_base_patch16_224", "mobilenet_v2"])
    cells, rows = [], []
    for fw in ("torch", "tensorflow", "jax"):
        payload = {"cell": Cell(workload="-", framework=fw, mode="inventory", scenario=crit.SCENARIO, batch=0).model_dump(),
                   "threads": 1, "interop_threads": 1, "seed": 0}
        result = crit.run_cell(payload)
        cell_id = f"-/{fw}/inventory/pretrained/b0"
        cells.append({"cell_id": cell_id, "framework": fw, "scenario": crit.SCENARIO, "status": result["status"]})
        rows += [r | {"cell_id": cell_id, "framework": fw, "scenario": crit.SCENARIO, "status": "ok"} for r in result["metrics"]]
    by = {(r["framework"], r["metric"]): r for r in rows}
    assert by[("torch", "zoo:timm")]["value"] == 3 and by[("torch", "zoo:timm")]["extra"]["status"] == "ok"
    assert by[("torch", "architectures_vision")]["value"] >= 3
    only = crit.only_in(rows)
    assert "vitbasepatch16224" in only["torch"]
    assert "resnet50" not in only["torch"] and "resnet50" not in only["tensorflow"]  # in both (ResNet50 = resnet50)
    # keras.applications reaches TensorFlow and JAX users alike: Xception is in both, so in neither's "only"
    assert "xception" not in only["tensorflow"] and "xception" not in only["jax"] and only["jax"] == []
    assert "mobilenetv2" not in only["tensorflow"]
    summary = crit.scores(cells, rows)
    assert summary["tensorflow"]["score"] == 1.0 and summary["jax"]["score"] == 1.0 and 0 < summary["torch"]["score"] < 1
    assert "timm 3" in summary["torch"]["line"]
    assert "keras.applications (via Keras 3) " in summary["jax"]["line"] and "not available: keras-hub (via Keras 3)" in summary["jax"]["line"]
    assert by[("jax", "zoo:flax")]["value"] == 0 and by[("jax", "zoo:flax")]["extra"]["status"] == "ok"
