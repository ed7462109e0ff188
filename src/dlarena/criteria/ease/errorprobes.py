"""Error-message probes: common mistakes, made in each framework's user code, and what the
framework tells the user about them.

For each probe and framework we record: did it fail at all (a silent wrong result is the worst
case), the exception type, whether the message names the offending layer (or function), states
what was expected and what it got, whether the traceback shows the user's line, and how many
library frames lie between that line and the raise. The words by which a message names the
offending layer or function are the framework's own (its layer and function names): they sit
beside its user code, in the plugin module's ``NAMES`` (probe name -> words).

Rubric (points, max 5):
- raised an error: 2; then 1 if the message names the offending layer/function, 0.5 if it states
  what was expected, 0.5 if it states what it got, 0.5 if the traceback shows the user's line
  with the mistake, 0.5 if at most ``SHORT_STACK`` library frames lie between that line and the
  raise;
- no error and a correct result (the framework handled the input): 5;
- no error and a wrong result (silent): 0, plus 1 if a warning was emitted.
"""

from __future__ import annotations

import inspect
import re
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from dlarena import frameworks

MAX_POINTS = 5.0
SHORT_STACK = 5


def _features(n: int) -> Callable[[str], tuple]:
    def make(framework: str) -> tuple:
        rng = np.random.default_rng(0)
        return rng.standard_normal((8, n)).astype(np.float32), rng.integers(0, 10, 8).astype(np.int64)
    return make


def _logits(framework: str) -> tuple:
    rng = np.random.default_rng(0)
    return rng.standard_normal((8, 10)).astype(np.float32), rng.integers(0, 10, 8).astype(np.int64)


def _wrong_layout_images(framework: str) -> tuple:
    """Each framework gets the *other* framework's image layout."""
    rng = np.random.default_rng(0)
    shape = (8, 32, 32, 3) if frameworks.info(framework).image_layout == "NCHW" else (8, 3, 32, 32)
    return rng.standard_normal(shape).astype(np.float32), rng.integers(0, 10, 8).astype(np.int64)


@dataclass(frozen=True)
class Probe:
    name: str
    title: str
    make_inputs: Callable[[str], tuple]
    expected: tuple[str, ...]  # words stating what was expected
    actual: tuple[str, ...]  # words stating what was received
    needs_gpu: bool = False


PROBES: dict[str, Probe] = {p.name: p for p in [
    Probe("dense_shape", "64 features into a dense/linear layer built for 32", _features(64), ("32",), ("64",)),
    Probe("label_dtype", "float labels into sparse cross-entropy", _logits,
          ("Long", "int64", "int32", "integer"), ("Float", "float32", "float")),
    Probe("channel_order", "images in the other framework's channel order (NHWC vs NCHW)", _wrong_layout_images,
          ("3",), ("32",)),
    Probe("use_before_build", "count parameters before the input size is known (lazy/unbuilt layers)", _features(32),
          ("build", "forward", "dummy batch"), ("uninitialized", "isn't built", "not built", "not yet been built")),
    Probe("logits_vs_probabilities", "softmax output passed to a loss that expects logits", _features(32),
          ("logits",), ("Softmax", "probabilities")),
    Probe("device_mismatch", "model on the GPU, input on the CPU", _features(32), ("cuda", "GPU"), ("cpu", "CPU"),
          needs_gpu=True),
]}


@dataclass
class ProbeFacts:
    probe: str
    framework: str
    outcome: str  # "error" | "silent_ok" | "silent_wrong"
    exception_type: str | None = None
    message: str = ""
    names_layer: bool = False
    states_expected: bool = False
    states_actual: bool = False
    user_line_shown: bool = False
    frames_after_user: int | None = None
    warned: bool = False
    warning: str = ""
    got: float | None = None
    want: float | None = None
    mistake_line: int = 0
    score: float = 0.0
    details: dict = field(default_factory=dict)


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    """Whole-word match; numbers need only digit boundaries, so "32" is found in "32x16"."""
    def pattern(w: str) -> str:
        edge = r"\d" if w.isdigit() else r"[A-Za-z0-9_]"
        return rf"(?<!{edge}){re.escape(w)}(?!{edge})"
    return any(re.search(pattern(w), text) for w in words)


def mistake_line(fn: Callable) -> int:
    lines, start = inspect.getsourcelines(fn)
    for offset, line in enumerate(lines):
        if "# mistake" in line:
            return start + offset
    raise ValueError(f"probe {fn.__name__} has no line marked '# mistake'")


def _scalar(value) -> float | None:
    try:
        return float(np.asarray(value).reshape(-1)[0]) if np.asarray(value).size == 1 else None
    except (TypeError, ValueError):
        return None


def score(f: ProbeFacts) -> float:
    if f.outcome == "silent_ok":
        return MAX_POINTS
    if f.outcome == "silent_wrong":
        return 1.0 if f.warned else 0.0
    points = 2.0 + (1.0 if f.names_layer else 0.0) + 0.5 * f.states_expected + 0.5 * f.states_actual
    points += 0.5 * f.user_line_shown + 0.5 * (f.frames_after_user is not None and f.frames_after_user <= SHORT_STACK)
    return points


def run_probe(probe: Probe, framework: str) -> ProbeFacts:
    module = frameworks.plugin_module(framework, "user_errors")
    fn = getattr(module, probe.name)
    line = mistake_line(fn)
    user_file = inspect.getsourcefile(fn)
    args = probe.make_inputs(framework)
    facts = ProbeFacts(probe.name, framework, outcome="error", mistake_line=line)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            got, want = fn(*args)
        except Exception as exc:  # the point of the probe: what does the user see?
            text = str(exc)
            frames = traceback.extract_tb(exc.__traceback__)
            user = [i for i, fr in enumerate(frames) if fr.filename == user_file]
            facts.exception_type = type(exc).__name__
            facts.message = re.sub(r"\x1b\[[0-9;]*m", "", text).strip()[:600]
            facts.names_layer = _mentions(text, module.NAMES[probe.name])
            facts.states_expected = _mentions(text, probe.expected)
            facts.states_actual = _mentions(text, probe.actual)
            facts.user_line_shown = any(fr.filename == user_file and fr.lineno == line for fr in frames)
            facts.frames_after_user = len(frames) - 1 - user[-1] if user else None
        else:
            facts.got, facts.want = _scalar(got), _scalar(want)
            correct = want is not None and np.allclose(np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64), rtol=1e-5)
            facts.outcome = "silent_ok" if correct else "silent_wrong"
    relevant = [w for w in caught if not issubclass(w.category, DeprecationWarning)]
    facts.warned = bool(relevant) and facts.outcome != "error"
    facts.warning = str(relevant[0].message)[:300] if relevant else ""
    facts.score = score(facts)
    return facts
