"""A criterion's cells for a suite configuration, planned as the scheduler plans them (the
criterion's own options and the config's narrow selection)."""

from dlarena import criteria


def planned(config, name: str, workload: str | None = None) -> list:
    """``name``'s cells for one workload, or its global cells when ``workload`` is None."""
    criterion = criteria.load(name)
    selection, options = config.selection(), config.options_of(name)
    return criterion.plan(selection, options, workload) if workload else criterion.plan_global(selection, options)


def payload(config, name: str) -> dict:
    """What ``name``'s cells receive besides the cell: its options under its name."""
    return criteria.load(name).payload(config.options_of(name))
