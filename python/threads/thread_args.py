"""Arguments in, results out: Thread(target=..., args=...) adding up 1..=n in parts.

Twin of examples-threads/src/bin/thread_args.rs (same flags and keys).
Ports: notes 001 (`threading.Thread(target=print_something, args=("hello",))`).
A Thread's return value is lost, so each part writes into a shared list at its
index (sum_join); concurrent.futures hands the value back instead (sum_scoped:
Python has no scoped threads, the executor's `with` block is the nearest).

Run: python3 python/threads/thread_args.py --threads 4 --n 1000000
"""
import argparse
import threading
from concurrent.futures import ThreadPoolExecutor


def part_sum(lo, hi, out=None, index=None):
    total = sum(range(lo, hi + 1))
    if out is not None:
        out[index] = total
    return total


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--n", type=int, default=1_000_000)
    a = p.parse_args()
    step = -(-a.n // a.threads)
    ranges = [(lo, min(lo + step - 1, a.n)) for lo in range(1, a.n + 1, step)]
    out = [0] * len(ranges)
    ts = [threading.Thread(target=part_sum, args=(lo, hi, out, i)) for i, (lo, hi) in enumerate(ranges)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    with ThreadPoolExecutor(max_workers=a.threads) as ex:
        by_executor = sum(ex.map(lambda r: part_sum(*r), ranges))
    expected = a.n * (a.n + 1) // 2
    print(f"1 + ... + {a.n} = {sum(out)} (threads), {by_executor} (executor), {expected} expected")
    print("== result ==")
    for k, v in [("threads", a.threads), ("sum_join", sum(out)), ("sum_scoped", by_executor),
                 ("expected", expected)]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
