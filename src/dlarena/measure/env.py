"""Environment fingerprint recorded with every run, gathered without importing any framework."""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import shutil
import subprocess

import psutil


# Each framework's user-facing packages, plus what runs beside them (build variants, runtimes).
def package_names(framework_packages=()) -> tuple[str, ...]:
    """numpy, the given frameworks' distributions (``frameworks.distributions()``), ONNX Runtime, dlarena."""
    return tuple(dict.fromkeys(["numpy", *framework_packages, "onnxruntime", "dlarena"]))


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def bf16_cpu_unsupported() -> str | None:
    """None when the CPU computes bf16 natively; else why not (it would only be emulated)."""
    flags = cpu_flags()
    if not flags:
        return "bf16 support unknown: no CPU flags readable (/proc/cpuinfo)"
    if any(f in flags for f in BF16_CPU_FLAGS):
        return None
    return f"bf16 unsupported on this CPU: none of {', '.join(BF16_CPU_FLAGS)} in its flags (it would be emulated)"


def physical_cores() -> int:
    return psutil.cpu_count(logical=False) or os.cpu_count() or 1


def gpus() -> list[str]:
    if not shutil.which("nvidia-smi"):
        return []
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in out.stdout.splitlines() if line.strip()]


def package_versions(framework_packages=()) -> dict[str, str]:
    versions = {}
    for name in package_names(framework_packages):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


# What decides how idle thread pools wait (spin or sleep): it matters on a busy machine.
OMP_ENV_VARS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME", "OMP_PROC_BIND", "OMP_PLACES")
# Settings a user may have exported that change what the compilers produce or whether a compile is
# cold; recorded so two runs that differ only in them can be told apart.
COMPILER_ENV_VARS = ("XLA_FLAGS", "TF_XLA_FLAGS", "TF_ENABLE_ONEDNN_OPTS", "JAX_ENABLE_X64",
                     "JAX_COMPILATION_CACHE_DIR", "TORCHINDUCTOR_CACHE_DIR", "TORCHINDUCTOR_MAX_AUTOTUNE")


def fingerprint(threads: int, interop_threads: int, omp_wait_policy: str = "default", framework_packages=()) -> dict:
    """This machine and process set-up; ``framework_packages``: the distributions whose versions are
    recorded besides numpy, ONNX Runtime and dlarena (``frameworks.distributions()``)."""
    return {
        "omp_wait_policy": omp_wait_policy,
        "omp_env": {v: os.environ[v] for v in OMP_ENV_VARS if v in os.environ},
        "compiler_env": {v: os.environ[v] for v in COMPILER_ENV_VARS if v in os.environ},
        "os": platform.platform(),
        "python": platform.python_version(),
        "cpu_model": cpu_model(),
        "physical_cores": physical_cores(),
        "logical_cores": psutil.cpu_count(logical=True),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "intra_op_threads": threads,
        "inter_op_threads": interop_threads,
        "gpus": gpus(),
        "packages": package_versions(framework_packages),
        "hostname": platform.node(),
    }


# what must match for two runs' speeds to differ by the machine's drift alone
MACHINE_KEYS = ("hostname", "cpu_model", "logical_cores", "intra_op_threads", "omp_wait_policy", "packages", "gpus")


def machine_key(env: dict | None) -> tuple:
    env = env or {}
    return tuple(json.dumps(env.get(k), sort_keys=True) for k in MACHINE_KEYS)
