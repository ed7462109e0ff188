"""PyTorch adapter: NCHW images, (out, in) Linear weights, OIHW conv kernels, torch.compile."""

from __future__ import annotations

import contextlib

import numpy as np
import torch

from dlarena import workloads
from dlarena.frameworks import FrameworkInfo
from dlarena.frameworks.torch import parity as torch_parity
from dlarena.frameworks.base import AdapterDefaults, WeightMapper
from dlarena.frameworks.threads import pin_torch_threads
from dlarena.measure.env import bf16_cpu_unsupported
from dlarena.frameworks.torch import training
from dlarena.workloads.base import Workload


def _to_native(kind: str, array: np.ndarray) -> np.ndarray:
    if kind == "dense":
        return array.T
    if kind == "conv2d":  # HWIO -> OIHW
        return array.transpose(3, 2, 0, 1)
    return array


def _from_native(kind: str, array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    if kind == "dense":
        return array.T
    if kind == "conv2d":  # OIHW -> HWIO
        return array.transpose(2, 3, 1, 0)
    return array.reshape(shape)


class TorchAdapter(AdapterDefaults):
    def __init__(self, info: FrameworkInfo):
        self.info = info
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self._cuda = self.device.type == "cuda"
        self.autocast = contextlib.nullcontext

    def select_device(self, device: str) -> str | None:
        """``auto`` | ``cpu`` | ``gpu``; returns why not, when a GPU is asked for and there is none."""
        if device == "gpu" and not torch.cuda.is_available():
            return f"no GPU: torch.cuda.is_available() is False (torch {torch.__version__}, CUDA build: {torch.version.cuda})"
        if device == "cpu":
            self.device = torch.device("cpu")
            self._cuda = False
        return None

    def bf16_unsupported(self) -> str | None:
        if self.device.type == "cuda":
            return None if torch.cuda.is_bf16_supported() else "bf16 unsupported on this GPU (torch.cuda.is_bf16_supported() is False)"
        return bf16_cpu_unsupported()

    def set_precision(self, precision: str) -> None:
        """Mixed precision as PyTorch users write it: torch.autocast around forward and loss."""
        if precision == "bf16":
            self.autocast = lambda: torch.autocast(self.device.type, dtype=torch.bfloat16)

    def gemm(self, n: int, precision: str):
        dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[precision]
        a = torch.randn(n, n, device=self.device).to(dtype)
        b = torch.randn(n, n, device=self.device).to(dtype)
        return lambda: torch.mm(a, b)

    def setup(self, threads: int, interop_threads: int, seed: int) -> dict:
        pin_torch_threads(torch, threads, interop_threads)
        torch.manual_seed(seed)
        return {"device": str(self.device), "intra_op_threads": torch.get_num_threads(),
                "inter_op_threads": torch.get_num_interop_threads()}

    def _mapper(self, workload: Workload) -> WeightMapper:
        return WeightMapper(workload, self.info.model_module, _to_native, _from_native)

    def build(self, workload: Workload, params: dict[str, np.ndarray]) -> torch.nn.Module:
        module = workloads.framework_module(workload.name, self.info.model_module)
        model = module.build_model(workload.config)
        mapper = self._mapper(workload)
        state = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
        mapper.check_coverage(set(state))
        with torch.no_grad():
            for target, value in mapper.native_values(params).items():
                if value is None:
                    state[target].zero_()
                else:
                    state[target].copy_(torch.from_numpy(np.ascontiguousarray(value)))
        return model.to(self.device)

    def inputs(self, workload: Workload, x: np.ndarray, y: np.ndarray):
        if workload.input_kind == "image":
            x = x.transpose(0, 3, 1, 2)  # NHWC -> NCHW
        xt = torch.from_numpy(np.ascontiguousarray(x))
        if workload.input_kind == "tokens":
            xt = xt.long()
        return xt.to(self.device), torch.from_numpy(y).long().to(self.device)

    def _maybe_compile(self, model, mode: str):
        if mode == "compile":
            return torch.compile(model)
        if mode != "eager":
            raise ValueError(f"unknown PyTorch mode '{mode}'; valid: {', '.join(self.info.modes)}")
        return model

    def compile_cache_counts(self) -> dict[str, int]:
        """inductor's FX graph cache, on by default and kept across runs (frameworks/compile_cache.py)."""
        from torch._dynamo.utils import counters

        return {"hits": counters["inductor"]["fxgraph_cache_hit"], "misses": counters["inductor"]["fxgraph_cache_miss"]}

    def predictor(self, model, mode: str):
        model.eval()
        runnable = self._maybe_compile(model, mode)
        return lambda x: training.predict(runnable, x, self.autocast)

    def trainer(self, model, mode: str, learning_rate: float):
        model.train()
        runnable = self._maybe_compile(model, mode)
        optimizer = training.make_optimizer(model, learning_rate)
        return lambda x, y: training.train_step(runnable, optimizer, x, y, self.autocast)

    def loss_and_gradients(self, model, workload: Workload, x, y):
        model.train()
        model.zero_grad(set_to_none=True)
        loss = training.compute_loss(model, x, y)
        loss.backward()
        grads = {name: p.grad.detach().cpu().numpy() for name, p in model.named_parameters()}
        return float(loss.detach().cpu()), self._mapper(workload).canonical_values(grads)

    def neutralise_randomness(self, model) -> dict[str, list[str]]:
        disabled, found = torch_parity.neutralise(model)
        found["disabled"][:0] = disabled  # the record stays live: functional dropout is found as the model runs
        return found

    def float64(self):
        return contextlib.nullcontext()

    def float64_model(self, workload: Workload, params: dict[str, np.ndarray]) -> torch.nn.Module:
        return self.build(workload, params).double()

    def export_params(self, model, workload: Workload) -> dict[str, np.ndarray]:
        state = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
        return self._mapper(workload).canonical_values(state)

    def to_numpy(self, value) -> np.ndarray:
        return value.detach().cpu().numpy()

    def sync(self) -> None:
        # CUDA kernels run asynchronously: without this the clock would stop at launch time.
        # (On CPU this is a no-op whose cost is part of the measured harness overhead.)
        if self._cuda:
            torch.cuda.synchronize()

    def device_memory(self) -> dict[str, float]:
        if self.device.type != "cuda":
            return {}
        return {"gpu_peak_allocated_mb": torch.cuda.max_memory_allocated() / 2**20}

    def versions(self) -> dict[str, str]:
        return {"torch": torch.__version__}
