#!/usr/bin/env python3
"""Times whole processes alternately, A B A B ..., so that every command sees the same
moments of a noisy shared machine, and prints the minimum and median wall time of each
(BENCHMARKS.md). Each command runs 3 times first as a warm-up.

    python3 benches/alternate.py 40 \\
        "target/release/oa run studies/imd2019.toml --data-dir ../shared/data --out OUT/a --quiet" \\
        "OLD/oa run studies/imd2019.toml --data-dir ../shared/data --out OUT/b --quiet"
"""
import shlex
import statistics
import subprocess
import sys
import time


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs = int(sys.argv[1])
    commands = [shlex.split(c) for c in sys.argv[2:]]
    times: list[list[float]] = [[] for _ in commands]
    for argv in commands:
        for _ in range(3):
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    for _ in range(runs):
        for argv, seen in zip(commands, times):
            start = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
            seen.append((time.perf_counter() - start) * 1000)
    for text, seen in zip(sys.argv[2:], times):
        print(f"min {min(seen):7.1f} ms  median {statistics.median(seen):7.1f} ms  {text}")


if __name__ == "__main__":
    main()
