"""Running one function in its own process with a timeout (isolate.py) and the child side
(worker.py): what every layer that starts a cell uses, so it sits below them all."""
