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


def seconds(statement: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True, cwd=ROOT)
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    seconds("import compliance_pipeline.definitions")  # warm the file cache and .pyc files
    bare, ours = [], []
    for _ in range(args.runs):
        bare.append(seconds("import dagster"))
        ours.append(seconds("import compliance_pipeline.definitions"))
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, compliance_pipeline.definitions;"
         f" print(','.join(m for m in {HEAVY!r} if m in sys.modules))"],
        check=True, cwd=ROOT, capture_output=True, text=True).stdout.strip()
    bare_s, ours_s = statistics.median(bare), statistics.median(ours)
    print(f"| measurement | median s (of {args.runs} fresh processes) |")
    print("| --- | --- |")
    print(f"| `import dagster` | {bare_s:.3f} |")
    print(f"| `import compliance_pipeline.definitions` | {ours_s:.3f} |")
    print(f"| ratio | {ours_s / bare_s:.2f}x (target <= 1.3x) |")
    print(f"heavy modules loaded by the definitions: {loaded or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
