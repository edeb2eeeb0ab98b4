"""Microseconds per next_fire_time call, the scheduler's per-claim cost, for a few typical specs.

    .venv/bin/python bench/timing_bench.py                 this tree
    .venv/bin/python bench/timing_bench.py --compare REV   this tree against services/timing.py at git REV
                                                           (a revision from before the package split, e.g. 6ff63b6)

With --compare both are measured in the same process, alternating rounds. The fastest round is printed:
on a shared machine other processes only ever make a round slower.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

START = datetime(2026, 3, 1, tzinfo=UTC)


def specs(mod: ModuleType) -> dict[str, object]:
    spec = mod.ScheduleSpec
    return {
        "cron */5 UTC": spec("cron", cron_expression="*/5 * * * *"),
        "cron 0 9 * * 1-5 Berlin": spec("cron", "Europe/Berlin", cron_expression="0 9 * * 1-5"),
        "cron 30 2 * * * New_York": spec("cron", "America/New_York", cron_expression="30 2 * * *"),
        "cron 0 0 29 2 * UTC": spec("cron", cron_expression="0 0 29 2 *"),
        "interval 30s": spec("interval", interval_seconds=30, anchor=START),
        "rrule weekly Berlin": spec("rrule", "Europe/Berlin", rrule="FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0",
                                    anchor=datetime(2024, 1, 1, tzinfo=UTC)),
        "rrule daily COUNT=1000": spec("rrule", rrule="FREQ=DAILY;COUNT=1000", anchor=datetime(2024, 1, 1, tzinfo=UTC)),
    }


def run(n: int = 20_000, mod: ModuleType | None = None) -> dict[str, float]:
    """Mean CPU microseconds per next_fire_time call for each spec (after one warm-up call)."""
    if mod is None:
        import services.timing as mod
    results = {}
    for label, spec in specs(mod).items():
        mod.next_fire_time(spec, START)  # warm caches
        t0 = time.process_time()
        for i in range(n):
            mod.next_fire_time(spec, START + timedelta(seconds=i * 97))
        results[label] = (time.process_time() - t0) / n * 1e6
    return results


def load_revision(rev: str) -> ModuleType:
    """services/timing.py (the single-module version) at git revision ``rev``, imported under another name."""
    text = subprocess.run(["git", "show", f"{rev}:services/timing.py"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "timing_at_rev.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("timing_at_rev", path)
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["timing_at_rev"] = mod
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=5_000, help="calls per spec and round")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--compare", metavar="REV", help="git revision whose services/timing.py to compare against")
    args = parser.parse_args()
    import services.timing as current

    mods = {"now": current}
    if args.compare:
        mods = {args.compare: load_revision(args.compare), "now": current}
    rounds: dict[str, list[dict[str, float]]] = {k: [] for k in mods}
    for _ in range(args.rounds):
        for key, mod in mods.items():
            rounds[key].append(run(args.n, mod))
    labels = list(specs(current))
    header = f"{'spec':28s}" + "".join(f"{k[:12]:>14s}" for k in mods) + ("      change" if args.compare else "")
    print(header + "\n" + "-" * len(header))
    for label in labels:
        values = {k: min(r[label] for r in rs) for k, rs in rounds.items()}
        row = f"{label:28s}" + "".join(f"{v:11.2f} us" for v in values.values())
        if args.compare:
            old, new = values[args.compare], values["now"]
            row += f"  {(new - old) / old * 100:+9.1f} %"
        print(row)


if __name__ == "__main__":
    main()
