"""Every benchmark in one run, and one table of their figures: each as a ratio to its floor, with its goal.

    .venv/bin/python bench/all.py [--quick] [--only NAME ...]      (make bench)

Issue 38 asked for every speed figure to be measured in one run beside a
floor from the same run, with the goal beside it. This runs the benchmarks
one after the other (each alone on the machine: they measure by loading
it), gathers the figures each records (bench/figures.py) and prints them
together. The ones that read the election data (lookup, forensics, the
forecasts) get a throwaway folder of their own, loaded as `make run` loads
the demo, plus the 2021 single-mandate candidates; the others make their own
throwaway databases. Needs PostgreSQL (the load benchmarks run on it, as a
real server does) and wrk. ``--quick``: shorter loads and fewer rows, for a
check that everything runs (~10 minutes instead of ~25); the figures are then
noisier.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from figures import read

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA = ROOT.parent / "shared" / "data"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
CANDIDATES = DATA / "backtests" / "state_duma_2021_smd_candidates.csv"

# (name, arguments, arguments with --quick, the data it reads: "" its own, "demo" the demo's, "national" the demo's
# and every 2021 single-mandate candidate — after the demo's forecasts, which take St Petersburg's alone)
RUNS = [
    ("import_cec", [], [], ""),
    ("lookup", [], ["--seconds", "4"], "demo"),
    ("forensics", [], ["--repeat", "1"], "demo"),
    ("smartvote", [], ["--repeat", "1"], "demo"),
    ("national", [], ["--repeat", "1"], "national"),
    ("monitor", [], ["--rows", "200000", "--seconds", "5", "--repeat", "5"], ""),
    ("pledges", [], ["--seconds", "5"], ""),
    ("vote", [], ["--seconds", "5", "--ballots", "1000"], ""),
    ("flood", [], ["--seconds", "5"], ""),
    ("initiatives", [], ["--supporters", "20000"], ""),
]


def step(text: str) -> None:
    print(f"\n=== {text} ===", flush=True)


def manage(env: dict, *command: str) -> None:
    started = time.perf_counter()
    subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"  manage.py {command[0]}: {time.perf_counter() - started:.0f} s", flush=True)


def demo_data(var: Path) -> dict:
    """A folder loaded as `make run` loads the demo."""
    env = {**os.environ, "VECHE_VAR_DIR": str(var), "VECHE_DEMO": "1"}
    env.pop("DATABASE_URL", None)
    for command in (["migrate", "--no-input"], ["collectstatic", "--no-input"], ["demo"]):
        manage(env, *command)
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter loads, fewer rows: a check that all runs")
    parser.add_argument("--only", nargs="+", choices=[name for name, *_ in RUNS], help="these benchmarks alone")
    args = parser.parse_args()
    runs = [run for run in RUNS if not args.only or run[0] in args.only]
    with tempfile.TemporaryDirectory(prefix="veche-bench-all-") as folder:
        figures_file = Path(folder) / "figures.jsonl"
        demo_env: dict | None = None
        national = False
        failed = []
        for name, full, quick, data in runs:
            env = {**os.environ, "VECHE_BENCH_FIGURES": str(figures_file)}
            if data:
                if demo_env is None:
                    step("the demo's data, for the benchmarks that read elections")
                    demo_env = demo_data(Path(folder) / "var")
                if data == "national" and not national:
                    manage(demo_env, "import_candidates", str(CANDIDATES))
                    national = True
                env = {**demo_env, "VECHE_BENCH_FIGURES": str(figures_file)}
            step(f"bench/{name}.py")
            done = subprocess.run([PYTHON, str(BENCH / f"{name}.py"), *(quick if args.quick else full)], env=env)
            if done.returncode:
                failed.append(name)
        figures = read(str(figures_file)) if figures_file.exists() else []
    step("every figure, as a ratio to its floor measured in the same run")
    for figure in figures:
        print(figure.line())
    met = sum(figure.met for figure in figures)
    print(f"\n{met} of {len(figures)} goals met{'; failed to run: ' + ', '.join(failed) if failed else ''}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
