"""How long a fresh process takes to load the code location, against a bare `import dagster`.

    .venv/bin/python benchmarks/definitions_import.py [--runs 5]

Each measurement is a new interpreter (what a code server, `dagster dev` or a run worker
pays); the two imports alternate so machine load hits both alike. Target: <= 1.3x.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "pyarrow", "duckdb", "psycopg2", "requests", "numpy")


def seconds(module: str) -> tuple[float, float]:
    """(the whole process, start to exit; the import statement alone, timed inside it)."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", f"import time; t = time.perf_counter(); import {module};"
                          " print(time.perf_counter() - t)"], check=True, cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - start, float(out.stdout)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    seconds("compliance_pipeline.definitions")  # warm the file cache and .pyc files
    bare, ours = [], []
    for _ in range(args.runs):
        bare.append(seconds("dagster"))
        ours.append(seconds("compliance_pipeline.definitions"))
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, compliance_pipeline.definitions;"
         f" print(','.join(m for m in {HEAVY!r} if m in sys.modules))"],
        check=True, cwd=ROOT, capture_output=True, text=True).stdout.strip()
    bare_s, ours_s = (statistics.median(p for p, _ in runs) for runs in (bare, ours))
    bare_i, ours_i = (statistics.median(i for _, i in runs) for runs in (bare, ours))
    print(f"| measurement | process, start to exit: median s (of {args.runs}) | the import alone: median s |")
    print("| --- | --- | --- |")
    print(f"| `import dagster` | {bare_s:.3f} | {bare_i:.3f} |")
    print(f"| `import compliance_pipeline.definitions` | {ours_s:.3f} | {ours_i:.3f} |")
    print(f"| ratio | {ours_s / bare_s:.2f}x (target <= 1.3x) | {ours_i / bare_i:.2f}x |")
    print(f"heavy modules loaded by the definitions: {loaded or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
