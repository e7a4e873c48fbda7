"""Manager: a server process owns a list; worker processes append through proxies.

Twin of examples-processes/src/bin/manager_list.rs (same flags and keys).
Ports: notes 001, the Manager().list() example; 000, "Servidor de procesos"
and its "Desventajas: latencia". The notes' code, with each worker's
generator seeded by its index so the sums can be checked, then the latency:
--calls appends through a proxy (a round trip to the manager process each)
against as many appends to a local list.

Run: python3 python/processes/manager_list.py --workers 8
"""
import argparse
import multiprocessing
import random
import time


def compute(results, index, n):
    rng = random.Random(index)
    results.append(sum([rng.randint(1, 100) for i in range(n)]))


def expected(workers, n):
    sums = []
    for i in range(workers):
        rng = random.Random(i)
        sums.append(sum([rng.randint(1, 100) for _ in range(n)]))
    return sorted(sums)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--calls", type=int, default=10_000)
    a = p.parse_args()
    manager = multiprocessing.Manager()
    results = manager.list()
    workers = [multiprocessing.Process(target=compute, args=(results, x, a.n))
               for x in range(a.workers)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    got = list(results)
    print("Results: %s" % got)
    remote = manager.list()
    t0 = time.perf_counter()
    for i in range(a.calls):
        remote.append(i)
    proxy = (time.perf_counter() - t0) / a.calls
    local = []
    t0 = time.perf_counter()
    for i in range(a.calls):
        local.append(i)
    push = (time.perf_counter() - t0) / a.calls
    assert len(remote) == len(local), "the remote list lost appends"
    manager.shutdown()
    print(f"proxy call: {proxy * 1e6:.2f} us per append; local append: {push * 1e9:.1f} ns: "
          f"{proxy / push:.0f}x")
    print("== result ==")
    for k, v in [("results", got), ("items", len(got)), ("expected", a.workers),
                 ("sums_right", str(sorted(got) == expected(a.workers, a.n)).lower()),
                 ("proxy_call_us", f"{proxy * 1e6:.2f}"), ("local_push_ns", f"{push * 1e9:.1f}"),
                 ("proxy_vs_push", f"{proxy / push:.0f}")]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
