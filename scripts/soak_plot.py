"""Draw the soak's memory curve (tests/ui/test_soak.py with KIOSK_SOAK_CSV) as a PNG for
docs/performance.md: `python scripts/soak_plot.py CSV PNG`. matplotlib is optional, as in
bench/growth.py: without it the CSV is the result and no PNG is drawn (exit 0)."""

from __future__ import annotations

import csv
import sys


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: soak_plot.py CSV PNG", file=sys.stderr)
        return 2
    source, target = argv
    with open(source, newline="") as f:
        rows = [(int(r["session"]), float(r["rss_mib"])) for r in csv.DictReader(f)]
    if not rows:
        print(f"soak_plot: {source} holds no measurements", file=sys.stderr)
        return 1
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"no PNG: matplotlib is not installed (the curve is in {source})")
        return 0
    xs, ys = zip(*rows, strict=True)
    start = next((y for x, y in rows if x >= 100), ys[0])
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.plot(xs, ys, "-", lw=1.5, label="kiosk RSS after a collection")
    ax.axhline(start * 1.05, color="tab:red", ls="--", lw=1, label="+5 % over session 100")
    ax.set_xlabel("citizen sessions")
    ax.set_ylabel("RSS (MiB)")
    ax.set_ylim(min(ys) * 0.98, max(max(ys), start * 1.05) * 1.01)
    ax.set_title("Soak: simulated sessions on the real app, syncing to a hub")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(target, dpi=90)
    plt.close(fig)
    print(f"plot written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
