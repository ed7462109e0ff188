"""Bring your own model, way 1: a user-written workload (file, package directory, entry point)."""

import sys
from pathlib import Path

import duckdb
import pytest

from dlarena import workloads
from helpers.cli_util import clean_registry_env, invoke  # noqa: F401 - the fixture applies to every test here
from dlarena.config import build_config

EXAMPLE = Path(__file__).parents[1] / "examples" / "custom_workload"


def _tiny_config(tmp_path) -> Path:
    config = tmp_path / "tiny.toml"
    config.write_text('[timing]\nwarmup_iters = 1\nwarmup_s = 0.0\nmin_iters = 5\nmin_s = 0.0\nmax_s = 2.0\n')
    return config


# A single-file workload whose framework models are attributes (framework imports stay inside the
# builders, so the parent process never imports a framework). {body} is the torch builder's body.
SINGLE_FILE = '''
import types
from dlarena.workloads.base import Workload, dense

WORKLOAD = Workload(name="{name}", description="one linear layer", input_kind="features",
                    input_shape=({width},), num_classes=4, config={{}}, params=dense(8, 4, "fc"),
                    batch_sizes={{"parity": 4, "infer_latency": 1}})


def _build(config):
{body}


torch_model = types.SimpleNamespace(build_model=_build, WEIGHT_MAP={{"weight": "fc.kernel", "bias": "fc.bias"}})
'''
LINEAR = "    import torch\n    return torch.nn.Linear(8, 4)"


def _single_file(tmp_path, name="onelinear", width=8, body=LINEAR) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(SINGLE_FILE.format(name=name, width=width, body=body))
    return path


def test_single_file_workload_resolves_with_attribute_models(tmp_path):
    path = _single_file(tmp_path)
    assert workloads.register_sources([str(path)]) == ["onelinear"]
    assert "onelinear" in workloads.available() and "onelinear" not in workloads.names()
    assert workloads.get("onelinear").input_shape == (8,)
    assert workloads.framework_module("onelinear", "torch_model").WEIGHT_MAP == {"weight": "fc.kernel", "bias": "fc.bias"}
    with pytest.raises(KeyError, match="workload 'onelinear' has no 'keras_model'"):
        workloads.framework_module("onelinear", "keras_model")
    # Worker processes find it through the environment the registry set.
    assert str(path.resolve()) in workloads._env_paths(workloads.USER_SOURCES_ENV)
    assert build_config(workloads=["onelinear"]).workloads == ["onelinear"]


def test_entry_point_group_registers_installed_workloads(tmp_path, monkeypatch):
    package = tmp_path / "site" / "acme_models"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(SINGLE_FILE.format(name="acme", width=8, body=LINEAR))
    dist = tmp_path / "site" / "acme_models-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-models\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[dlarena.workloads]\nacme = acme_models\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    workloads._entry_points.cache_clear()
    try:
        assert "acme" in workloads.available()
        assert workloads.get("acme").description == "one linear layer"
        assert workloads.framework_module("acme", "torch_model").WEIGHT_MAP["weight"] == "fc.kernel"
        assert build_config(workloads=["acme"], frameworks=["torch"]).workloads == ["acme"]
    finally:
        monkeypatch.undo()
        workloads._entry_points.cache_clear()
        sys.modules.pop("acme_models", None)


def test_worked_example_end_to_end(tmp_path):
    db = tmp_path / "r.duckdb"
    result, out = invoke("run", "--workload", EXAMPLE, "--suite", "smoke", "--config", _tiny_config(tmp_path),
                          "--scenarios", "infer_latency", "--threads", "1", "--db", db)
    assert result.exit_code == 0, result.output
    assert "4 ok" in out  # parity on both frameworks + one latency cell each

    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT workload, framework, scenario, metric, value FROM measurements "
                       "WHERE status = 'ok'").fetchall()
    assert {r[0] for r in rows} == {"resmlp"}
    diffs = {m: v for _, fw, sc, m, v in rows if fw == "tensorflow" and sc == "parity"}
    assert diffs["parity_forward_rel_diff"] < 1e-4 and diffs["parity_grad_rel_diff"] < 1e-3
    latency = {fw: v for _, fw, sc, m, v in rows if m == "latency_ms"}
    assert set(latency) == {"torch", "tensorflow"} and all(v > 0 for v in latency.values())
    sources = con.execute("SELECT config->>'workload_sources' FROM runs").fetchone()[0]
    assert str(EXAMPLE.resolve()) in sources  # recorded, so --resume and the report can find it again
    con.close()

    workloads.os.environ[workloads.USER_SOURCES_ENV] = ""  # as in a new shell: resume re-registers the source
    resumed, out = invoke("run", "--resume", "--db", db)
    assert resumed.exit_code == 0 and "4 cells already done" in out, resumed.output

    report, _ = invoke("report", "--db", db, "--out", tmp_path / "report")
    assert report.exit_code == 0, report.output
    assert "Residual MLP 32 -&gt; 64 (LayerNorm, GELU" in (tmp_path / "report" / "report.html").read_text()


@pytest.mark.parametrize("case,expected", [
    ("missing", "workload source not found:"),
    ("no_import", "does not import: ModuleNotFoundError: No module named 'no_such_package_xyz'"),
    ("no_workload", "defines no WORKLOAD"),
    ("builtin_name", "uses the built-in name 'mlp'; rename its WORKLOAD"),
    ("path_like_name", "names its WORKLOAD '../evil': a workload name holds only letters, digits, '_' and '-'"),
])
def test_bad_workload_module_is_one_line_exit_2(tmp_path, case, expected):
    path = tmp_path / f"{case}.py"
    if case == "no_import":
        path.write_text("import os\nimport no_such_package_xyz\n")
    elif case == "no_workload":
        path.write_text("X = 1\n")
    elif case == "builtin_name":
        path = _single_file(tmp_path, name="mlp")
    elif case == "path_like_name":
        path.write_text(SINGLE_FILE.format(name="../evil", width=8, body=LINEAR))
    db = tmp_path / "res" / "r.duckdb"
    result, out = invoke("run", "--workload", path, "--db", db)
    assert result.exit_code == 2
    assert expected in out
    assert not db.parent.exists()
    if case == "no_import":  # the user's own frame is shown, dlarena's import machinery is not
        assert f'File "{path}", line 2' in out and "importlib" not in out


def test_builder_that_raises_shows_the_users_traceback(tmp_path):
    body = "    raise ValueError('hidden width must be even')"
    path = _single_file(tmp_path, name="broken", body=body)
    result, out = invoke("run", "--workload", path, "--frameworks", "torch", "--db", tmp_path / "res" / "r.duckdb")
    assert result.exit_code == 2
    assert "error: build_model of workload 'broken' (torch_model, PyTorch) raised ValueError: hidden width must be even" in out
    assert f'File "{path.resolve()}", line 11, in _build' in out
    assert not (tmp_path / "res").exists()


def test_shape_that_does_not_fit_the_model(tmp_path):
    path = _single_file(tmp_path, name="wide", width=9)
    result, out = invoke("run", "--workload", path, "--frameworks", "torch", "--db", tmp_path / "res" / "r.duckdb")
    assert result.exit_code == 2
    assert ("input of shape (4, 9) (batch 4, WORKLOAD.input_shape (9,)) does not fit the PyTorch model of workload "
            "'wide': RuntimeError: mat1 and mat2 shapes cannot be multiplied (4x9 and 8x4)") in out


# --- way 3: conversions. Neither converter can run on the reference stack; each says why. ---------

@pytest.mark.parametrize("tool,route", [("onnx2tf", "PyTorch -> ONNX -> TensorFlow"),
                                        ("onnx2torch", "Keras -> ONNX -> PyTorch")])
def test_converter_unavailable_is_one_line_exit_2(tmp_path, tool, route):
    from dlarena import convert

    result, out = invoke("run", "--workload", EXAMPLE, "--convert", tool, "--db", tmp_path / "res" / "r.duckdb")
    assert result.exit_code == 2
    assert f"error: {tool} ({route}) " in out
    if convert.CONVERTERS[tool].version() is None:
        assert f"is unavailable: it is not installed; install it with: {convert.CONVERTERS[tool].install}" in out
    assert not (tmp_path / "res").exists()


def test_converter_that_does_not_import_names_the_error(monkeypatch):
    from dlarena import convert

    monkeypatch.setattr(convert.importlib.util, "find_spec", lambda name: object())
    monkeypatch.setattr(convert.Converter, "version", lambda self: "1.5.15")
    monkeypatch.setattr(convert, "_import_error", lambda module: "RuntimeError: operator torchvision::nms does not exist")
    with pytest.raises(convert.ConversionUnavailable) as info:
        convert.check("onnx2torch")
    assert str(info.value) == ("onnx2torch (Keras -> ONNX -> PyTorch) 1.5.15 is unavailable: importing it fails with "
                               "RuntimeError: operator torchvision::nms does not exist (onnx2torch imports torchvision, "
                               "which must match the installed torch)")
    with pytest.raises(convert.ConversionUnavailable, match="unknown converter 'nobuco'; valid: onnx2tf, onnx2torch"):
        convert.check("nobuco")


def test_framework_without_a_model_is_named(tmp_path):
    path = _single_file(tmp_path, name="torchonly")  # defines torch_model only
    result, out = invoke("run", "--workload", path, "--frameworks", "tensorflow", "--db", tmp_path / "res" / "r.duckdb")
    assert result.exit_code == 2
    assert "error: workload 'torchonly' cannot run on TensorFlow: workload 'torchonly' has no 'keras_model'" in out
