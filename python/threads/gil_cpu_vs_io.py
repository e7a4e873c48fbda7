"""El GIL: the notes' CPU job on threads, and I/O waits on threads.

Twin of examples-threads/src/bin/gil_cpu_vs_io.rs (same flags, same result keys).
Ports: notes 002, "El GIL para CPU-Bound y I/O-Bound"; 003, "GIL"; 004, "GIL".
The job is the notes' `sum([random.randint(1, 100) for i in range(1000000)])`.
"free" is plain threading.Thread: in CPython the GIL still lets one thread run
Python code at a time (a free-threaded 3.13t/3.14t build would not). "behind
the GIL" adds one explicit global lock handed over every --switch-every
numbers, as the Rust example simulates. max_computing_* is the run's process
CPU time over its wall time, rounded: how many threads computed at once on
average (Python has no per-thread timeline here).

Run: python3 python/threads/gil_cpu_vs_io.py --jobs 8
"""
import argparse
import os
import random
import threading
import time


def compute(n, rng):
    return sum([rng.randint(1, 100) for _ in range(n)])


def compute_behind(n, rng, gil, switch_every):
    total, left = 0, n
    while left:
        step = min(left, switch_every)
        with gil:  # one hilo computes at a time; the others wait here
            total += sum([rng.randint(1, 100) for _ in range(step)])
        left -= step
    return total


def on_threads(threads, jobs, work):
    sums = [None] * jobs

    def hilo(t):
        for j in range(t, jobs, threads):
            sums[j] = work(j)

    ts = [threading.Thread(target=hilo, args=(t,), name=f"hilo-{t}") for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sums


def timed(f):
    wall, cpu = time.perf_counter(), time.process_time()
    out = f()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return out, wall, max(1, round(cpu / wall))


def max_overlap(spans):
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    most = now = 0
    for _, d in events:
        now += d
        most = max(most, now)
    return most


def io_run(tasks, wait, gil):
    spans, lock = [], threading.Lock()

    def task(_j):
        if gil:
            with gil:
                compute(10_000, random.Random(1))
        else:
            compute(10_000, random.Random(1))
        start = time.perf_counter()
        time.sleep(wait)  # blocking I/O stand-in: CPython releases the GIL here
        with lock:
            spans.append((start, time.perf_counter()))
        return 0

    _, wall, _ = timed(lambda: on_threads(tasks, tasks, task))
    return wall, max_overlap(spans)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--jobs", type=int, default=8)
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--switch-every", type=int, default=100_000)
    p.add_argument("--io-tasks", type=int, default=8)
    p.add_argument("--io-ms", type=int, default=100)
    a = p.parse_args()
    cores = os.cpu_count() or 1
    print(f"{a.jobs} jobs x sum of {a.n} random ints; {a.threads} hilos; {cores} cores; CPython")
    # Each job j gets its own seeded generator, so every way computes the same sums.
    expected, seq, _ = timed(lambda: [compute(a.n, random.Random(j)) for j in range(a.jobs)])
    free, free_wall, free_busy = timed(
        lambda: on_threads(a.threads, a.jobs, lambda j: compute(a.n, random.Random(j))))
    gil = threading.Lock()
    behind, gil_wall, gil_busy = timed(lambda: on_threads(
        a.threads, a.jobs, lambda j: compute_behind(a.n, random.Random(j), gil, a.switch_every)))
    correct = free == expected and behind == expected
    print(f"CPU: 1 hilo {seq:.3f} s, {a.threads} hilos {free_wall:.3f} s, "
          f"behind one more lock {gil_wall:.3f} s")

    wait = a.io_ms / 1000
    one_wall = timed(lambda: [(compute(10_000, random.Random(1)), time.sleep(wait))
                              for _ in range(a.io_tasks)])[1]
    io_free_wall, io_free_most = io_run(a.io_tasks, wait, None)
    io_gil_wall, io_gil_most = io_run(a.io_tasks, wait, threading.Lock())
    print(f"What you saw: the CPU job on {a.threads} threads ran {seq / free_wall:.2f}x as fast "
          f"as on one: the GIL lets one thread run Python at a time. The I/O waits overlapped "
          f"({one_wall / io_free_wall:.2f}x): sleeping threads release the GIL.")
    print("== result ==")
    for k, v in [("threads", a.threads), ("cores", cores), ("correct", str(correct).lower()),
                 ("max_computing_free", free_busy), ("max_computing_gil", gil_busy),
                 ("max_waiting_io_free", io_free_most), ("max_waiting_io_gil", io_gil_most),
                 ("speedup_cpu_free", f"{seq / free_wall:.2f}"),
                 ("speedup_cpu_gil", f"{seq / gil_wall:.2f}"),
                 ("speedup_io_free", f"{one_wall / io_free_wall:.2f}"),
                 ("speedup_io_gil", f"{one_wall / io_gil_wall:.2f}")]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
