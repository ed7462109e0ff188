"""Debugging, measured: print/breakpoint/intermediate-value/intermediate-gradient probes in eager
and compiled modes, training curves written to TensorBoard event files, model graph export,
and an Integrated Gradients attribution probe."""
