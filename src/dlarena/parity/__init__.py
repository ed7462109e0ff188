"""The parity check every comparable workload passes before it is timed: each framework's forward
output, loss, gradients and one optimizer step against the reference framework (``check``), each
judged against the fp32 rounding noise of the computation itself (``noise_floor``). Not a
criterion: the scheduler runs it for any criterion whose cells need it (``Criterion.needs_parity``)."""
