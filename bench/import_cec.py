"""Benchmark: import the 2021 national CEC table into fresh databases.

    .venv/bin/python bench/import_cec.py [--file PATH] [--repeat N]

For a fresh SQLite file and (when reachable) a fresh PostgreSQL database it
migrates, then times `manage.py import_cec` as a user runs it (a new
process: start-up, reading, checking, writing, committing). Beside each time
it prints the time a new process needs just to read the same CSV from the
zip with polars, measured in the same run, and the ratio: machines here are
small and noisy, so the ratio is the figure to compare across runs. Then
St Petersburg's rows alone, as a region's table, into a fresh SQLite file.
Goals (issue 38): the national import ≤ 10× the read on each database; a
region's import < 2 s.
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

from figures import Figure, record

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent / "shared" / "data" / "russia-federal" / "2021.csv.zip"
PG_ADMIN = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/test")
RATIO = 10.0  # issue 38: an import within 10× of reading its file
REGION = 2.0  # seconds: a region's table, as an organiser imports it


def polars_read(path: Path) -> float:
    """A new process that reads the CSV from the zip with polars: the least an import (a new process) can take."""
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import io, sys, zipfile; import polars as pl; zf = zipfile.ZipFile(sys.argv[1]); "
            "assert pl.read_csv(io.BytesIO(zf.read(zf.namelist()[0])), infer_schema_length=0).height",
            str(path),
        ],
        check=True,
    )
    return time.perf_counter() - start


def one_region(path: Path, folder: Path, region: str = "город Санкт-Петербург") -> Path:
    """The national table cut to one region's rows, as a region's own table would come."""
    with zipfile.ZipFile(path) as zf:
        name = zf.namelist()[0]
        lines = zf.read(name).decode().splitlines()
    kept = [lines[0], *(line for line in lines[1:] if f",{region}," in line)]
    assert len(kept) > 100, f"no rows of {region}"
    out = folder / path.name
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, "\n".join(kept) + "\n")
    return out


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
    print(f"floor: a new process reads the CSV from the zip with polars in {baseline:.2f} s")

    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        times = [bench("sqlite", f"sqlite:///{tmp}/bench-{i}.sqlite3", args.file) for i in range(args.repeat)]
        runs.append(("SQLite", statistics.median(times)))
        region = one_region(args.file, Path(tmp))
        region_floor = statistics.median(polars_read(region) for _ in range(3))
        region_time = bench("sqlite", f"sqlite:///{tmp}/region.sqlite3", region)
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
        record(
            Figure(
                f"import_cec, national table, {label}",
                seconds,
                baseline,
                "a process reading it",
                "s",
                goal_ratio=RATIO,
            )
        )
    record(
        Figure(
            "import_cec, one region's table, SQLite",
            region_time,
            region_floor,
            "a process reading it",
            "s",
            goal_value=REGION,
        )
    )


if __name__ == "__main__":
    main()
