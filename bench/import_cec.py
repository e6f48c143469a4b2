"""Benchmark: import the 2021 national CEC table into fresh databases.

    .venv/bin/python bench/import_cec.py [--file PATH] [--repeat N]

For a fresh SQLite file and (when reachable) a fresh PostgreSQL database it
migrates, then times `manage.py import_cec` as a user runs it (a new
process: start-up, reading, checking, writing, committing). Beside each time
it prints the time polars needs just to read the same CSV from the zip,
measured in the same run, and the ratio: machines here are small and noisy,
so the ratio is the figure to compare across runs. Target: under 30 s.
"""

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent / "shared" / "data" / "russia-federal" / "2021.csv.zip"
PG_ADMIN = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/test")
TARGET = 30.0


def polars_read(path: Path) -> float:
    start = time.perf_counter()
    with zipfile.ZipFile(path) as zf:
        data = zf.read(zf.namelist()[0])
    frame = pl.read_csv(io.BytesIO(data), infer_schema_length=0)
    assert frame.height > 0
    return time.perf_counter() - start


def manage(database_url: str, *args) -> float:
    env = {**os.environ, "DATABASE_URL": database_url, "VECHE_VAR_DIR": tempfile.gettempdir() + "/veche-bench"}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def pg_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
        return True
    except Exception:
        return False


def pg_database(name: str, create: bool):
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    return f"{base}/{name}"


def bench(label: str, url: str, path: Path) -> float:
    manage(url, "migrate", "--no-input")
    return manage(url, "import_cec", str(path))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=1, help="imports per database (the median is shown)")
    args = parser.parse_args()

    with zipfile.ZipFile(args.file) as zf:
        rows = sum(1 for _ in io.TextIOWrapper(zf.open(zf.namelist()[0]), encoding="utf-8")) - 1
    baseline = statistics.median(polars_read(args.file) for _ in range(3))
    print(f"file: {args.file.name}, {rows:,} stations")
    print(f"baseline: polars reads the CSV from the zip in {baseline:.2f} s")
    print(f"{'database':<12}{'import s':>10}{'stations/s':>12}{'× polars read':>15}  target < {TARGET:.0f} s")

    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        times = [bench("sqlite", f"sqlite:///{tmp}/bench-{i}.sqlite3", args.file) for i in range(args.repeat)]
        runs.append(("SQLite", statistics.median(times)))
    if pg_reachable():
        times = []
        for i in range(args.repeat):
            url = pg_database(f"veche_bench_{os.getpid()}_{i}", create=True)
            try:
                times.append(bench("postgresql", url, args.file))
            finally:
                pg_database(f"veche_bench_{os.getpid()}_{i}", create=False)
        runs.append(("PostgreSQL", statistics.median(times)))
    else:
        print("PostgreSQL not reachable: skipped")

    for label, seconds in runs:
        verdict = "met" if seconds < TARGET else "NOT MET"
        print(f"{label:<12}{seconds:>10.1f}{rows / seconds:>12,.0f}{seconds / baseline:>15.1f}  {verdict}")


if __name__ == "__main__":
    main()
