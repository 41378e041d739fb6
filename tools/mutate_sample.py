"""Mutation score of a random sample of mutants, with a 95% interval: `make mutate SAMPLE=400`.

The whole run (about 8,800 mutants over bot/critic, bot/interview, bot/coaching and bot/storage) takes hours on two
cores. A uniform random sample estimates the same score: this script asks mutmut for every mutant's name, picks
`n` of them with a fixed seed, runs `mutmut run` on exactly those, and prints the share caught with its Wilson
interval and the name of every mutant that survived (`mutmut show NAME` prints its diff).

    python tools/mutate_sample.py --n 400 --seed 15
    python tools/mutate_sample.py --n 400 --seed 15 --report-only   # the last run's results, nothing run again
    python tools/mutate_sample.py --n 150 --seed 17 --seed 18 --keep  # grow a sample: run only what is unchecked

With several seeds the sample is the union of each seed's draw. `--keep` runs only the sample's mutants that no
run has checked yet, so a second seed adds to the first one's results (same code, same tests: otherwise start over).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

from statsmodels.stats.proportion import proportion_confint  # a dev dependency, like mutmut

MUTMUT = str(Path(sys.executable).with_name("mutmut"))
CAUGHT = {"killed", "timeout", "caught by type check"}


def statuses() -> dict[str, str]:
    """Every mutant's name and mutmut's status for it ("not checked" until a run has tried it)."""
    out = subprocess.run([MUTMUT, "results", "--all", "true"], capture_output=True, text=True, check=True).stdout
    pairs = (line.strip().rsplit(": ", 1) for line in out.splitlines() if "__mutmut_" in line)
    return {name: status for name, status in pairs}


def report(sample: list[str], status: dict[str, str]) -> int:
    """Print the sample's statuses, its score per package and in all, and every mutant it did not catch."""
    counts = Counter(status[name] for name in sample)
    tried = [name for name in sample if status[name] != "not checked"]
    caught = sum(status[name] in CAUGHT for name in tried)
    low, high = proportion_confint(caught, max(len(tried), 1), method="wilson")  # 95%
    by_package = Counter(".".join(name.split(".")[:2]) for name in tried)
    caught_by_package = Counter(".".join(name.split(".")[:2]) for name in tried if status[name] in CAUGHT)
    print(f"statuses: {dict(counts)}")
    for package, n in sorted(by_package.items()):
        print(f"  {package}: {caught_by_package[package]}/{n} caught")
    print(
        f"mutation score (sample of {len(sample)} of {len(status)} mutants, {len(tried)} run): {caught}/{len(tried)} "
        f"caught = {100 * caught / max(len(tried), 1):.1f}% (95% interval {100 * low:.1f}-{100 * high:.1f}%)"
    )
    for name in sorted(n for n in tried if status[n] not in CAUGHT):
        print(f"  {status[name]}: {name}")
    return 0


def main() -> int:
    """Sample, run, report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=400, help="mutants to sample (default 400)")
    parser.add_argument("--seed", type=int, action="append", help="random seed; repeat to join samples (default 15)")
    parser.add_argument("--keep", action="store_true", help="run only the sample's mutants not checked yet")
    parser.add_argument("--report-only", action="store_true", help="print the sample's last results, run nothing")
    args = parser.parse_args()
    # mutmut generates the mutants (and so their names) on its first run; a run of one mutant does that.
    if not args.report_only and not Path("mutants").exists():
        subprocess.run([MUTMUT, "run", "bot.interview.policy.x_classify__mutmut_1"], check=True)
    status = statuses()
    names = sorted(status)
    draws = (random.Random(seed).sample(names, min(args.n, len(names))) for seed in args.seed or [15])
    sample = sorted(set().union(*draws))
    todo = [name for name in sample if status[name] == "not checked"] if args.keep else sample
    if not args.report_only and todo:
        subprocess.run([MUTMUT, "run", *todo], check=False)
    return report(sample, statuses())


if __name__ == "__main__":
    sys.exit(main())
