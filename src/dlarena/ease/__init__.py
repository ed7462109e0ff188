"""Ease of use, measured: code metrics of dlarena's own implementations, error-message probes,
time to first result."""
