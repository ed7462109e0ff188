"""A skip outside tests/helpers/skips_allowed.py fails the session and names the test and the reason."""

from pathlib import Path

import pytest

from helpers.skips_allowed import why_allowed

TESTS_DIR = Path(__file__).parent
GUARD_CONFTEST = "from helpers import skip_guard\n\ndef pytest_configure(config):\n    skip_guard.register(config)\n"


@pytest.fixture
def guarded(pytester, monkeypatch):
    monkeypatch.syspath_prepend(str(TESTS_DIR))  # skip_guard and skips_allowed
    monkeypatch.delenv("DLARENA_TESTS_WITHOUT", raising=False)
    pytester.makeconftest(GUARD_CONFTEST)
    return pytester


def test_an_unlisted_skip_fails_the_session_naming_test_and_reason(guarded):
    guarded.makepyfile(test_x="import pytest\n\ndef test_quiet():\n    pytest.skip('flaky, will look later')\n\n"
                              "def test_fine():\n    pass\n")
    result = guarded.runpytest()
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*unexpected skip: test_x.py::test_quiet: flaky, will look later*"])


def test_allowed_skips_leave_the_session_green(guarded):
    guarded.makepyfile(test_y="import pytest\n\n"
                              "@pytest.mark.skipif(True, reason='DLARENA_FULL_TESTS=1 runs the full form')\n"
                              "def test_full():\n    pass\n\n"
                              "def test_gpu():\n    pytest.skip('a GPU is present: the probe runs')\n")
    result = guarded.runpytest()
    result.assert_outcomes(skipped=2)
    assert result.ret == pytest.ExitCode.OK
    assert "unexpected skip" not in result.stdout.str()


def test_a_module_level_importorskip_is_checked_too(guarded, monkeypatch):
    guarded.makepyfile(test_z="import pytest\n\npytest.importorskip('no_such_package_xyz')\n\n"
                              "def test_a():\n    pass\n", test_ok="def test_b():\n    pass\n")
    result = guarded.runpytest()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*unexpected skip: test_z.py: could not import 'no_such_package_xyz'*"])
    monkeypatch.setenv("DLARENA_TESTS_WITHOUT", "ray, no_such_package_xyz")  # declared missing: allowed
    declared = guarded.runpytest()
    assert declared.ret == pytest.ExitCode.OK and "unexpected skip" not in declared.stdout.str()


def test_missing_packages_are_allowed_only_when_declared(monkeypatch):
    monkeypatch.delenv("DLARENA_TESTS_WITHOUT", raising=False)
    hint = "JAX is not installed: pip install 'dlarena[jax]' (CPU: pip install jax flax optax)"
    assert why_allowed("could not import 'ray': No module named 'ray'") is None
    assert why_allowed(hint) is None
    monkeypatch.setenv("DLARENA_TESTS_WITHOUT", "ray,jax")
    assert why_allowed("could not import 'ray': No module named 'ray'")
    assert why_allowed(hint)
    assert why_allowed("could not import 'onnxruntime': No module named 'onnxruntime'") is None
