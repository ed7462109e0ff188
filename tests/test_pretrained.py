"""Pretrained models, measured: zoos credited alike to every framework, missing and broken zoos
reported with their reason (never a 0), real builds of tiny architectures, and the score's edges."""

import importlib.machinery
import sys
import types

import numpy as np
import pytest

from helpers.planning import planned
from dlarena.config import Cell
from dlarena.criteria.pretrained import cells as crit
from dlarena.pretrained import builds, inventory
from dlarena.pretrained.families import FAMILIES

FWS = ("torch", "tensorflow", "jax")
NMS = "RuntimeError: operator torchvision::nms does not exist"


# -- crediting: the same zoos, counted the same way, for every framework ------------------------

def test_keras_zoos_are_listed_for_every_framework_and_transformers_is_native_to_pytorch_only():
    by_fw = {fw: {s.name: s for s in inventory.sources(fw)} for fw in FWS}
    for fw in FWS:
        for name in ("keras.applications", "keras-hub"):
            source = by_fw[fw][name]
            assert source.via == "Keras 3" and source.native == inventory.KERAS_NATIVE and source.builder is not None
        assert by_fw[fw]["keras-hub"].families == tuple(FAMILIES)
    assert by_fw["torch"]["transformers (PyTorch classes)"].native.startswith("PyTorch")
    assert by_fw["torch"]["transformers (PyTorch classes)"].builder is not None
    # transformers 5 dropped its TensorFlow and Flax classes: listed (to show it), never built
    assert by_fw["tensorflow"]["transformers (TensorFlow classes)"].builder is None
    assert by_fw["jax"]["transformers (Flax classes)"].builder is None


def test_zoo_sources_are_registered_per_framework():
    from dlarena import frameworks
    from dlarena.config import build_config

    assert frameworks.with_plugin("pretrained", frameworks.FRAMEWORKS) == ["torch", "tensorflow", "jax"]
    assert inventory.sources("keras-jax") == [] and inventory.inventory("keras-jax") == []
    cells = planned(build_config(frameworks=["torch", "jax", "keras-jax"]), "pretrained")
    assert [c.id for c in cells] == ["-/torch/inventory/pretrained/b0", "-/jax/inventory/pretrained/b0"]


def test_flax_transformers_classes_are_listed_when_present(monkeypatch):
    auto = types.ModuleType("transformers.models.auto.modeling_flax_auto")
    auto.FLAX_MODEL_MAPPING_NAMES = {"bert": "FlaxBertModel", "vit": "FlaxViTModel", "wav2vec2": "FlaxWav2Vec2Model"}
    auto.FLAX_MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING_NAMES = {"vit": "FlaxViTForImageClassification"}
    auto.FLAX_MODEL_FOR_SPEECH_SEQ_2_SEQ_MAPPING_NAMES = {"wav2vec2": "x"}
    monkeypatch.setitem(sys.modules, "transformers.models.auto.modeling_flax_auto", auto)
    assert inventory.list_transformers("FLAX_")(None) == {"text": ["bert"], "vision": ["vit"], "audio": ["wav2vec2"]}


# -- missing and broken zoos: their reason, never a zero --------------------------------------

def _source(name, package, builder=None, families=()):
    return inventory.ZooSource(name, package, lambda m: {"vision": ["ResNet50"]}, native="test users",
                               builder=builder, families=families)


def test_a_torchvision_import_failure_is_reported_as_its_reason(tmp_path, monkeypatch):
    (tmp_path / "dlarena_broken_zoo.py").write_text(f"raise RuntimeError({NMS.split(': ', 1)[1]!r})\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    called = []
    zoo = inventory.inspect_source(_source("torchvision", "dlarena_broken_zoo", lambda: called.append(1) or [],
                                           ("resnet", "vit")), "torch")
    assert zoo.status == "not importable" and zoo.note == NMS and zoo.builds == [] and not called
    summary = crit.summarize(*_rows([zoo]))
    assert summary["grade"] == "environment" and summary["score"] is None
    assert f"torchvision not importable ({NMS})" in summary["line"]


def test_a_missing_zoo_package_gives_an_environment_line_with_the_reason_not_a_zero():
    zoo = inventory.inspect_source(_source("keras-hub", "dlarena_absent_zoo", lambda: [], tuple(FAMILIES)), "tensorflow")
    assert zoo.status == "not installed" and zoo.note == "package 'dlarena_absent_zoo' is not installed"
    summary = crit.summarize(*_rows([zoo]))
    assert summary["grade"] == "environment" and summary["score"] is None
    assert summary["line"].startswith("not scored") and "package 'dlarena_absent_zoo' is not installed" in summary["line"]
    assert "0 architectures installed" not in summary["line"]


# -- the score's edges ----------------------------------------------------------------------

def _zoo(name, families_built=(), failed=(), status="ok", note="", families=(), via=""):
    zoo = inventory.Zoo(name, name.replace("-", "_"), "torch", status=status, note=note, via=via,
                        families=tuple(families), version="1.0" if status == "ok" else None)
    zoo.builds = ([{"zoo": name, "arch": f"{f}-arch", "family": f, "status": "built", "error": "", "output_shape": [1, 2],
                    "seconds": 0.1} for f in families_built]
                  + [{"zoo": name, "arch": f"{f}-arch", "family": f, "status": "failed", "error": "ValueError: boom",
                      "output_shape": None, "seconds": 0.1} for f in failed])
    if status == "ok":
        zoo.domains = {"vision": [b["arch"] for b in zoo.builds]}
    return zoo


def _rows(zoos):
    by = {r["metric"]: r for r in crit.rows_of(zoos)}
    return by[crit.FAMILIES_METRIC], by["pretrained_architectures"]


def test_every_family_built_is_measured_and_scores_one_even_beside_a_broken_zoo():
    zoos = [_zoo("torchvision", status="not importable", note=NMS, families=("resnet", "vit")),
            _zoo("transformers", FAMILIES, families=FAMILIES),
            _zoo("keras-hub", FAMILIES, families=FAMILIES, via="Keras 3")]
    summary = crit.summarize(*_rows(zoos))
    assert summary["grade"] == "measured" and summary["score"] == 1.0
    assert summary["line"].startswith(f"built 8 of 8 families: {', '.join(FAMILIES)} (transformers 1.0: 8 of 8 "
                                      "architectures, keras-hub 1.0 via Keras 3: 8 of 8 architectures)")


def test_a_real_build_failure_with_every_zoo_installed_is_measured_and_counts_against():
    zoos = [_zoo("transformers", list(FAMILIES)[:-1], failed=["whisper"], families=FAMILIES)]
    summary = crit.summarize(*_rows(zoos))
    assert summary["grade"] == "measured" and summary["score"] == 7 / 8
    assert "not built: whisper" in summary["line"] and "whisper-arch: ValueError: boom" in summary["line"]


def test_a_family_only_a_missing_zoo_would_offer_makes_the_line_environment_dependent():
    zoos = [_zoo("keras.applications", ["resnet"], families=("resnet",)),
            _zoo("keras-hub", status="not installed", note="package 'keras_hub' is not installed", families=FAMILIES)]
    summary = crit.summarize(*_rows(zoos))
    assert summary["grade"] == "environment" and summary["score"] is None
    assert "built 1 of 8 families: resnet" in summary["line"] and "keras-hub not installed" in summary["line"]


def test_scores_from_cells_and_a_run_from_before_builds():
    cells = [{"cell_id": f"-/{fw}/inventory/pretrained/b0", "framework": fw, "scenario": crit.SCENARIO, "status": "ok"}
             for fw in ("torch", "jax")]
    rows = [r | {"cell_id": cells[0]["cell_id"], "framework": "torch", "scenario": crit.SCENARIO, "status": "ok"}
            for r in crit.rows_of([_zoo("transformers", FAMILIES, families=FAMILIES)])]
    rows.append({"cell_id": cells[1]["cell_id"], "framework": "jax", "scenario": crit.SCENARIO, "status": "ok",
                 "metric": "pretrained_architectures", "value": 40.0, "extra": {"zoos": []}})
    summary = crit.scores(cells, rows)
    assert summary["torch"]["grade"] == "measured" and summary["torch"]["score"] == 1.0
    assert summary["torch"]["evidence"] == [cells[0]["cell_id"]]
    assert summary["jax"]["grade"] == "environment" and summary["jax"]["score"] is None
    assert "nothing built" in summary["jax"]["line"]


def test_the_claims_metrics_stay():
    rows = crit.rows_of([_zoo("transformers", ["bert"], families=FAMILIES)])
    metrics = {r["metric"] for r in rows}
    assert {"pretrained_architectures", "architectures_vision", "architectures_text", "architectures_audio",
            "zoo:transformers", "zoo_built:transformers", crit.FAMILIES_METRIC} <= metrics
    inv = next(r for r in rows if r["metric"] == "pretrained_architectures")
    assert inv["extra"]["zoos"][0]["package"] == "transformers" and inv["extra"]["zoos"][0]["builds"]


# -- the cell: sources, builds, rows, in the framework's worker ----------------------------------

def test_the_cell_builds_its_sources_and_reports_each_build(monkeypatch):
    module = types.ModuleType("dlarena_fake_zoo")
    module.__spec__ = importlib.machinery.ModuleSpec("dlarena_fake_zoo", None)
    monkeypatch.setitem(sys.modules, "dlarena_fake_zoo", module)

    def fake_builds():
        return builds.as_dicts(builds.run_builders("dlarena_fake_zoo", {
            "Good": ("bert", lambda: np.ones((1, 2))), "Bad": ("vit", lambda: 1 / 0)}))

    monkeypatch.setattr(inventory, "sources", lambda fw: [_source("fake", "dlarena_fake_zoo", fake_builds, ("bert", "vit"))])
    payload = {"cell": Cell(workload="-", framework="torch", mode="inventory", scenario=crit.SCENARIO, batch=0).model_dump(),
               "threads": 1, "interop_threads": 1, "seed": 0}
    result = crit.run_cell(payload)
    by = {r["metric"]: r for r in result["metrics"]}
    built = by["zoo_built:fake"]["extra"]["builds"]
    assert [(b["arch"], b["status"]) for b in built] == [("Good", "built"), ("Bad", "failed")]
    assert built[0]["output_shape"] == [1, 2] and built[1]["error"] == "ZeroDivisionError: division by zero"
    assert by[crit.FAMILIES_METRIC]["value"] == 1 and by[crit.FAMILIES_METRIC]["extra"]["missing"][0] == "llama"
    assert by["pretrained_cell_seconds"]["value"] > 0


def test_keras_loaded_on_another_backend_builds_in_a_child_process(monkeypatch):
    import dlarena.process.isolate as isolate

    def refuse(name):
        raise RuntimeError("Keras is already loaded on the other backend in this process")

    calls = []

    def child(entry, payload, timeout, env):
        calls.append((entry, payload, env["KERAS_BACKEND"]))
        return {"status": "ok", "builds": [{"zoo": "keras", "arch": "ResNet50", "family": "resnet", "status": "built",
                                            "error": "", "output_shape": [1, 10], "seconds": 1.0}]}

    monkeypatch.setattr(builds, "keras_module", refuse)
    monkeypatch.setattr(isolate, "run_isolated", child)
    done = builds.build_keras_zoo("keras", "keras-somebackend", "pkg.mod:fn")
    assert calls == [("dlarena.pretrained.builds:child_entry",
                      {"package": "keras", "keras_framework": "keras-somebackend", "compiled": "pkg.mod:fn"}, "somebackend")]
    assert done[0]["status"] == "built" and "built in a child process: RuntimeError: Keras is already" in done[0]["note"]
    monkeypatch.setattr(isolate, "run_isolated", lambda *a: {"status": "timeout", "error": "cell exceeded its timeout"})
    failed = builds.build_keras_zoo("keras", "keras-somebackend")
    assert failed[0]["status"] == "failed" and "cell exceeded its timeout" in failed[0]["error"]


# -- the builders really build (reduced: two architectures per zoo) -----------------------------

def test_transformers_builds_tiny_llama_and_bert():
    pytest.importorskip("transformers")
    from dlarena.frameworks.torch import zoo

    chosen = {k: v for k, v in zoo._transformers_builders().items() if k in ("LlamaForCausalLM", "BertModel")}
    done = builds.run_builders("transformers", chosen)
    assert [(b.arch, b.status, b.error) for b in done] == [("LlamaForCausalLM", "built", ""), ("BertModel", "built", "")]
    assert done[0].output_shape == [1, 8, 128] and done[1].output_shape == [1, 8, 32]


def test_keras_hub_builds_tiny_llama_and_vit_on_the_loaded_backend():
    keras_hub = pytest.importorskip("keras_hub")
    import keras

    chosen = {k: v for k, v in builds.keras_hub_builders(keras, keras_hub).items() if k in ("LlamaBackbone", "ViTBackbone")}
    with builds.numpy_initializers(keras):
        done = builds.run_builders("keras_hub", chosen)
    assert [(b.arch, b.status, b.error) for b in done] == [("LlamaBackbone", "built", ""), ("ViTBackbone", "built", "")]
    assert done[0].output_shape == [1, 8, 32]
    # the backend's own initializers are back afterwards
    import keras.src.backend as backend
    assert backend.random.uniform.__module__.startswith("keras.")
