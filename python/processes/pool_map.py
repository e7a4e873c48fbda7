"""Pool de procesos: Pool.map and Pool.starmap, and the notes' job on a pool.

Twin of examples-processes/src/bin/pool_map.rs (same flags; the keys it shares).
Ports: notes 003, "Pool" (map, starmap); 001, "Pool" (`pool.map(compute, range(8))`).
Each job j sums n random ints from `random.Random(j)`, so the pool's results
can be checked against a sequential run. The Rust example's last part (a
worker that aborts) has no twin here: a multiprocessing.Pool whose worker dies
mid-task never returns that task's result (map waits forever), so its keys
(crash_*, replaced_workers) are the Rust side's only.

Run: python3 python/processes/pool_map.py --workers 4
"""
import argparse
import time
from multiprocessing import Pool
import random


def square(x):
    return x * x


def add(x, y):
    return x + y


def compute(job):  # the notes' compute, seeded per job
    j, n = job
    rng = random.Random(j)
    return sum([rng.randint(1, 100) for _ in range(n)])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--jobs", type=int, default=8)
    p.add_argument("--n", type=int, default=1_000_000)
    a = p.parse_args()
    jobs = [(j, a.n) for j in range(a.jobs)]
    with Pool(processes=a.workers) as pool:  # started before the clock, as in the Rust example
        squares = pool.map(square, [1, 2, 3, 4, 5])
        sums = pool.starmap(add, [(1, 2), (3, 4), (5, 6)])
        print(f"pool.map(square, [1, 2, 3, 4, 5]) = {squares}")
        print(f"pool.starmap(add, [(1, 2), (3, 4), (5, 6)]) = {sums}")
        t0 = time.perf_counter()
        pooled = pool.map(compute, jobs)
        by_pool = time.perf_counter() - t0
    t0 = time.perf_counter()
    expected = [compute(job) for job in jobs]
    by_one = time.perf_counter() - t0
    print(f"Results: {pooled}")
    print(f"sequential {by_one:.3f} s, pool of {a.workers} processes {by_pool:.3f} s: "
          f"{by_one / by_pool:.2f}x (each process has its own GIL)")
    print("== result ==")
    for k, v in [("squares", ",".join(map(str, squares))),
                 ("starmap_sums", ",".join(map(str, sums))),
                 ("results", ",".join(map(str, pooled))),
                 ("in_order", str(pooled == expected).lower()),
                 ("speedup_pool", f"{by_one / by_pool:.2f}")]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
