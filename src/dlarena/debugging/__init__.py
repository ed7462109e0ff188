"""Debugging, measured: print/breakpoint/intermediate-value/intermediate-gradient probes in eager
and compiled modes, training curves written to TensorBoard event files, model graph export,
and an Integrated Gradients attribution probe.
The framework-neutral driver (probes.py), graph and event-file formats, curves; each framework's
probes are ``frameworks/<name>/probes.py``."""
