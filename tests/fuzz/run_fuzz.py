"""The long fuzz run: ``python tests/fuzz/run_fuzz.py --count 5000 --seed 7``.

Runs the seeded cases of :mod:`liqfuzz` in-process and prints the counts: cases, passed,
known findings (problems already listed in ``liqfuzz.KNOWN``, by finding) and new problems,
grouped, each with one command line that shows it. Exit code 1 when there is a new problem.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import liqfuzz  # noqa: E402


def signature(problem: str) -> str:
    """A problem with its variable parts (paths, numbers, names) folded, to group alike cases."""
    text = re.sub(r"/tmp/\S+|/work/\S+", "PATH", problem)
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    return re.sub(r"\d+", "N", text)[:160]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=liqfuzz.TIMEOUT)
    parser.add_argument("--include-known", action="store_true", help="also run the cases of known findings")
    parser.add_argument("--examples", type=int, default=2, help="command lines shown per problem")
    parser.add_argument("--memory-gib", type=float, default=4.0,
                        help="address-space limit of this process, so a runaway read fails instead of the machine")
    args = parser.parse_args()
    try:
        import resource

        limit = int(args.memory_gib * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    with tempfile.TemporaryDirectory(prefix="liqfuzz-") as folder:
        workdir = Path(folder)
        pools = liqfuzz.build_workdir(workdir / "files")
        counts: Counter[str] = Counter()
        by_command: Counter[str] = Counter()
        codes: Counter[int | None] = Counter()
        new: dict[str, list[str]] = defaultdict(list)
        known: Counter[str] = Counter()
        started = time.perf_counter()
        slowest = (0.0, "")
        for case in liqfuzz.generate(args.seed, args.count, pools, workdir / "out"):
            counts["cases"] += 1
            by_command[" ".join(case.argv[:2]) if case.argv[0] == "presets" else case.argv[0]] += 1
            if case.known and not args.include_known:
                known[case.known] += 1
                counts["known (not run)"] += 1
                continue
            outcome = liqfuzz.run_case(case, workdir, pools, args.timeout)
            codes[outcome.code] += 1
            if outcome.seconds > slowest[0]:
                slowest = (outcome.seconds, liqfuzz.shell(case.argv))
            if not outcome.problems:
                counts["passed"] += 1
                continue
            if case.known:
                known[case.known] += 1
                counts["known (run, failed)"] += 1
                continue
            counts["new problems"] += 1
            for problem in outcome.problems[:1]:
                group = new[signature(problem)]
                if len(group) < args.examples:
                    group.append(f"{liqfuzz.shell(case.argv)}  [user folder: {case.user_folder}]\n      -> {problem[:300]}")
                else:
                    group.append("")
        elapsed = time.perf_counter() - started
    print(f"seed {args.seed}: {counts['cases']} command lines in {elapsed:.0f} s "
          f"(slowest {slowest[0]:.1f} s: {slowest[1][:120]})")
    print("by command: " + ", ".join(f"{name} {n}" for name, n in by_command.most_common()))
    print("exit codes: " + ", ".join(f"{code} x {n}" for code, n in sorted(codes.items(), key=lambda kv: str(kv[0]))))
    for key in ("passed", "known (not run)", "known (run, failed)", "new problems"):
        print(f"{key}: {counts[key]}")
    for finding, n in known.most_common():
        print(f"  known: {n} x {finding}")
    for sig, examples in sorted(new.items(), key=lambda kv: -len(kv[1])):
        print(f"  NEW {len(examples)} x {sig}")
        for example in [e for e in examples if e][: args.examples]:
            print(f"    {example}")
    return 1 if counts["new problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
