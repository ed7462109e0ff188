"""Matplotlib figures for the report, returned as PNG bytes (they read plain rows and views, and
import no criterion)."""

from __future__ import annotations

import io
import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import LogFormatter, MaxNLocator, NullFormatter  # noqa: E402

from dlarena import frameworks  # noqa: E402


def workload_figure(view) -> bytes | None:
    """Bars with CIs per scenario of one workload (``view``: a criteria.speed.views.WorkloadView)."""
    scenarios = [s for s in view.scenarios if any(e.value is not None for e in s.entries)]
    if not scenarios:
        return None
    fig, axes = plt.subplots(1, len(scenarios), figsize=(4.6 * len(scenarios), 3.2), squeeze=False)
    for ax, scenario in zip(axes[0], scenarios):
        entries = [e for e in scenario.entries if e.value is not None]
        labels = [e.label for e in entries]
        values = [e.value for e in entries]
        # max(0, ...): a bootstrap percentile interval need not contain the point estimate
        err = [[max(0.0, e.value - e.ci_low) for e in entries], [max(0.0, e.ci_high - e.value) for e in entries]]
        ax.barh(labels, values, xerr=err, color=[frameworks.color(e.framework) for e in entries], capsize=3)
        ax.invert_yaxis()
        if wide_range(values + [e.ci_high for e in entries if e.ci_high]):
            ax.set_xscale("log")  # one slow mode's CI must not squeeze the others into slivers
        else:
            ax.xaxis.set_major_locator(MaxNLocator(4))  # tick labels of large numbers must not run together
        label_axes(ax, scenario.metric, title=scenario.title.split(" (")[0])
    fig.suptitle(f"{view.name}: estimate (mean of window medians) with 95% CI", fontsize=11)
    fig.tight_layout()
    return png(fig)


WIDE_RANGE = 20.0  # values spanning more than this factor are plotted on a log axis


def wide_range(values: list[float]) -> bool:
    positive = [v for v in values if v and v > 0]
    return bool(positive) and max(positive) / min(positive) > WIDE_RANGE


def label_axes(ax, xlabel: str, ylabel: str | None = None, title: str | None = None, ticks: int = 8) -> None:
    """The house style of an axis: small labels and ticks, the title a size larger."""
    ax.set_xlabel(xlabel, fontsize=8)
    if ylabel is not None:
        ax.set_ylabel(ylabel, fontsize=8)
    if title is not None:
        ax.set_title(title, fontsize=10)
    ax.tick_params(labelsize=ticks)


def png(fig, dpi: int = 110) -> bytes:
    """The figure as PNG bytes (and closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def mfu_figure(rows) -> bytes | None:
    """Horizontal bars per scenario: MFU (%) of each workload's best mode per framework
    (achieved GFLOP/s when no peak was measured). ``rows``: report.mfu.MfuRow."""
    if not rows:
        return None
    use_mfu = all(r.mfu is not None for r in rows)
    scenarios = list(dict.fromkeys(r.scenario for r in rows))
    height = max(2.5, 0.28 * max(sum(r.scenario == s for r in rows) for s in scenarios) + 1)
    fig, axes = plt.subplots(1, len(scenarios), figsize=(5.2 * len(scenarios), height), squeeze=False)
    for ax, scenario in zip(axes[0], scenarios):
        chosen = sorted((r for r in rows if r.scenario == scenario), key=lambda r: (r.workload, r.framework))
        values = [100 * r.mfu if use_mfu else r.achieved_gflops for r in chosen]
        ax.barh([r.label for r in chosen], values, color=[frameworks.color(r.framework) for r in chosen])
        ax.invert_yaxis()
        ax.set_title(scenario, fontsize=10)
        ax.set_xlabel("MFU (% of measured peak)" if use_mfu else "achieved GFLOP/s", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle("Model FLOPs utilisation, best mode per framework", fontsize=11)
    fig.tight_layout()
    return png(fig)


class PlainLogFormatter(LogFormatter):
    """Log-axis labels as plain numbers (0.6, not 6e-01)."""

    def _num_to_string(self, x, vmin, vmax):
        return f"{x:g}"


PAIRING_STYLE = {"best vs best": ("#222", "o"), "eager vs eager": ("#1f77b4", "s"),
                 "compile vs function": ("#2ca02c", "^"), "compile vs xla": ("#9467bd", "D")}
OTHER_PAIRING_STYLES = [("#d62728", "v"), ("#8c564b", "P"), ("#e377c2", "X"), ("#17becf", "<")]


def crossover_figure(points, a_label: str, b_label: str) -> bytes:
    """A/B speed ratio vs parameter count (log x), one panel per scenario, one line per mode
    pairing and workload family. ``points``: report.sweep.RatioPoint of one pair of frameworks."""
    others = itertools.cycle(OTHER_PAIRING_STYLES)
    styles = {pairing: PAIRING_STYLE.get(pairing) or next(others)
              for pairing in dict.fromkeys(p.pairing for p in points)}
    scenarios = list(dict.fromkeys(p.scenario for p in points))
    fig, axes = plt.subplots(1, len(scenarios), figsize=(5.2 * len(scenarios), 3.8), squeeze=False)
    for ax, scenario in zip(axes[0], scenarios):
        chosen = [p for p in points if p.scenario == scenario]
        for pairing in dict.fromkeys(p.pairing for p in chosen):
            color, marker = styles[pairing]
            for family in dict.fromkeys(p.workload.partition("@")[0] for p in chosen):
                line = sorted((p for p in chosen if p.pairing == pairing and p.workload.partition("@")[0] == family),
                              key=lambda p: p.params)
                if not line:
                    continue
                ax.errorbar([p.params for p in line], [p.ratio for p in line],
                            yerr=[[max(0.0, p.ratio - p.low) for p in line], [max(0.0, p.high - p.ratio) for p in line]],
                            color=color, marker=marker, linestyle="-" if family == "mlp" else "--", capsize=2,
                            markersize=4, linewidth=1, label=f"{pairing} ({family})")
        ax.axhline(1.0, color="#999", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
        # ratios read as 0.6, 2, 3, not 6x10^-1 (minor ticks labelled where a decade is not)
        ax.yaxis.set_major_formatter(PlainLogFormatter())
        ax.yaxis.set_minor_formatter(PlainLogFormatter(labelOnlyBase=False, minor_thresholds=(2, 0.5)))
        label_axes(ax, "parameters", f"{a_label} / {b_label} speed", scenario, ticks=7)
    axes[0][-1].legend(fontsize=6, loc="best")
    fig.suptitle(f"Speed ratio vs model size (> 1: {a_label} faster)", fontsize=11)
    fig.tight_layout()
    return png(fig)


MODE_STYLE = {"eager": "-", "compile": "--", "function": "--", "xla": ":"}


def tta_figure(grouped: dict) -> bytes:
    """Test accuracy against cumulative training time and against epochs, one line per seed.
    ``grouped``: (framework, mode) -> seed cells, as report.tta.runs returns."""
    fig, (by_time, by_epoch) = plt.subplots(1, 2, figsize=(10, 3.6))
    for (fw, mode), seeds in grouped.items():
        for i, cell in enumerate(seeds):
            curve = cell["metrics"].get("test_accuracy_curve")
            if not curve or not curve.get("samples"):
                continue
            accuracy = curve["samples"]
            label = f"{fw} {mode}" if i == 0 else None
            style = dict(color=frameworks.color(fw), linestyle=MODE_STYLE.get(mode.partition("+")[0], "-"),
                         linewidth=1, marker=".", markersize=4, alpha=0.8)
            by_time.plot(curve["extra"].get("cumulative_train_s", range(1, len(accuracy) + 1)), accuracy, label=label, **style)
            by_epoch.plot(range(1, len(accuracy) + 1), accuracy, label=label, **style)
    for ax, xlabel in ((by_time, "training time (s)"), (by_epoch, "epoch")):
        label_axes(ax, xlabel, "test accuracy", ticks=7)
        ax.grid(alpha=0.3)
    by_epoch.legend(fontsize=7)
    fig.suptitle("Time to accuracy on digits (one line per seed)", fontsize=11)
    fig.tight_layout()
    return png(fig)
