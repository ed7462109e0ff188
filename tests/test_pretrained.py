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
    for fw in ("torch", "tensorflow"):
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
    assert "mobilenetv2" not in only["tensorflow"] and "xception" in only["tensorflow"]
    summary = crit.summarize(cells, rows)
    assert summary["tensorflow"]["score"] == 1.0 and 0 < summary["torch"]["score"] < 1
    assert "timm 3" in summary["torch"]["line"]
