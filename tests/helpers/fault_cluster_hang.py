"""The synthetic speed driver of tests/helpers/fault_speed.py whose train cells hang in their first window
(chosen by module, not by environment: a Ray node's workers keep the environment they started with)."""

from helpers.fault_cells import hang
from helpers.fault_speed import finish, start
from helpers.fault_speed import window as _window

__all__ = ["start", "window", "finish"]


def window(handle, timing):
    if handle.cell["scenario"] == "train":
        hang({})
    return _window(handle, timing)
