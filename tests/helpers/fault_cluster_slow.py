"""The synthetic speed driver of tests/helpers/fault_speed.py, each window lasting 0.1 s: a unit runs
long enough on its node to be seen overlapping (or not) and to lose its node mid-run."""

import time

from helpers.fault_speed import finish, start
from helpers.fault_speed import window as _window

__all__ = ["start", "window", "finish"]


def window(handle, timing):
    time.sleep(0.1)
    return _window(handle, timing)
