"""ThreadPoolExecutor: submit + result, map (input order), as_completed (finish order), wait.

Twin of examples-threads/src/bin/thread_pool.rs (same flags and keys).
Ports: notes 000, "Thread pool"; 003, concurrent.futures (submit,
Future.result, map, as_completed, wait(ALL_COMPLETED)). plain_pool is the idea
by hand: N threads taking callables from a queue.Queue, a one-slot queue per
answer as the Future. Task x sleeps a shuffled 1..=tasks units (random.Random(7),
so not the Rust run's order: finish orders differ between the two).

Run: python3 python/threads/thread_pool.py --tasks 5 --unit-ms 20
"""
import argparse
import os
import queue
import random
import threading
import time
from concurrent.futures import ALL_COMPLETED, ThreadPoolExecutor, as_completed, wait


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=min(32, (os.cpu_count() or 1) + 4))
    p.add_argument("--tasks", type=int, default=5)
    p.add_argument("--unit-ms", type=int, default=20)
    a = p.parse_args()
    units = list(range(1, a.tasks + 1))
    random.Random(7).shuffle(units)
    finished, runs, lock = [], [], threading.Lock()

    def slow_square(x):
        time.sleep(a.unit_ms / 1000 * units[x - 1])
        with lock:
            finished.append(x)
            runs.append(x)
        return x * x

    # 1. By hand: a queue of jobs, N threads, one reply queue per job.
    jobs = queue.Queue()

    def pool_worker():
        while (job := jobs.get()) is not None:
            f, x, reply = job
            reply.put(f(x))

    ws = [threading.Thread(target=pool_worker) for _ in range(a.workers)]
    for w in ws:
        w.start()
    replies = []
    for x in range(1, a.tasks + 1):
        replies.append(queue.Queue(maxsize=1))
        jobs.put((lambda v: v * v, x, replies[-1]))
    plain = [r.get(timeout=60) for r in replies]
    for _ in ws:
        jobs.put(None)
    for w in ws:
        w.join()

    xs = list(range(1, a.tasks + 1))
    with ThreadPoolExecutor(max_workers=a.workers) as ex:
        submitted = ex.submit(lambda v: v * v, 5).result()
        finished.clear()
        mapped = list(ex.map(slow_square, xs))
        map_finish = list(finished)
        finished.clear()
        futures = {ex.submit(slow_square, x): x for x in xs}
        yielded = [futures[f] for f in as_completed(futures)]
        by_completion = yielded == finished
        done, not_done = wait(futures, return_when=ALL_COMPLETED)
        boom = ex.submit(lambda: 1 // 0)
        try:
            boom.result()
            panic_is_error = False
        except ZeroDivisionError:
            panic_is_error = True
        after = ex.submit(lambda v: v * v, 6).result()
    ran_once = sorted(runs) == sorted(xs + xs)
    print(f"map kept input order {mapped}; as_completed gave {yielded}")
    print("== result ==")
    for k, v in [("plain_pool", ",".join(map(str, plain))), ("submit_result", submitted),
                 ("map_results", ",".join(map(str, mapped))),
                 ("map_finish_order", ",".join(map(str, map_finish))),
                 ("as_completed_order", ",".join(map(str, yielded))),
                 ("as_completed_by_completion", str(by_completion).lower()),
                 ("wait_done", len(done)), ("wait_not_done", len(not_done)),
                 ("panic_is_error", str(panic_is_error).lower()), ("after_panic", after),
                 ("ran_once", str(ran_once).lower())]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
