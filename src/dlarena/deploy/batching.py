"""Dynamic batching: concurrent requests that arrive within a short window are concatenated into
one model call (up to a row limit), and each caller gets its own slice of the output."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

import numpy as np

Infer = Callable[[np.ndarray], Awaitable[np.ndarray]]


class DynamicBatcher:
    def __init__(self, infer: Infer, max_rows: int, timeout_s: float):
        self.infer = infer
        self.max_rows = max_rows
        self.timeout_s = timeout_s
        self.queue: asyncio.Queue = asyncio.Queue()
        self.batches = 0
        self._carry: tuple | None = None
        self._getter: asyncio.Future | None = None

    async def submit(self, x: np.ndarray) -> np.ndarray:
        future = asyncio.get_running_loop().create_future()
        await self.queue.put((x, future))
        return await future

    async def _next(self, timeout: float | None):
        # One persistent getter task: cancelling a queue.get() on timeout could drop an item.
        if self._carry is not None:
            item, self._carry = self._carry, None
            return item
        if self._getter is None:
            self._getter = asyncio.ensure_future(self.queue.get())
        done, _ = await asyncio.wait({self._getter}, timeout=timeout)
        if not done:
            return None
        item, self._getter = self._getter.result(), None
        return item

    async def _collect(self) -> list[tuple]:
        first = await self._next(None)
        items, rows = [first], len(first[0])
        deadline = asyncio.get_running_loop().time() + self.timeout_s
        while rows < self.max_rows:
            item = await self._next(max(0.0, deadline - asyncio.get_running_loop().time()))
            if item is None:
                break
            if rows + len(item[0]) > self.max_rows:
                self._carry = item  # starts the next batch
                break
            items.append(item)
            rows += len(item[0])
        return items

    async def run_forever(self) -> None:
        while True:
            items = await self._collect()
            live = [(x, f) for x, f in items if not f.done()]  # a client may have gone away
            if not live:
                continue
            self.batches += 1
            try:
                out = await self.infer(np.concatenate([x for x, _ in live]) if len(live) > 1 else live[0][0])
            except Exception as exc:  # noqa: BLE001 - every caller of this batch gets the error
                for _, f in live:
                    if not f.done():
                        f.set_exception(exc)
                continue
            start = 0
            for x, f in live:
                if not f.done():
                    f.set_result(out[start:start + len(x)])
                start += len(x)
