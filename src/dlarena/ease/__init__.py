"""Ease of use, measured: code metrics of dlarena's own implementations, error-message probes,
time to first result.
Framework-neutral: code metrics, the error-probe driver, time to first result; each framework's
error-probe user code is ``frameworks/<name>/user_errors.py``."""
