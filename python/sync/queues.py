"""Colas: queue.Queue between many producers and consumers, stopped by sentinels.

Twin of examples-sync/src/bin/queue.rs (same flags; the sentinel_* keys and items, peak).
Ports: notes 004, "Queues"; 000, "Queue: Cola de objetos". Python's Queue
has no close() before 3.13's shutdown(), so the custom is a sentinel: join
the producers, then one None per consumer (one too few and a consumer waits
forever). The Rust example's other ways (std mpsc, crossbeam, its library's
queue) have no Python twin: their keys are Rust's only.

Named queues.py, not queue.py: a script's own folder comes first on
sys.path, so a queue.py here would shadow the standard library's `queue`.

Run: python3 python/sync/queues.py --producers 4 --consumers 3 --items 10000 --capacity 8
"""
import argparse
import queue
import threading
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--producers", type=int, default=3)
    p.add_argument("--consumers", type=int, default=2)
    p.add_argument("--items", type=int, default=10_000)
    p.add_argument("--capacity", type=int, default=16)
    a = p.parse_args()
    q = queue.Queue(maxsize=a.capacity)  # put blocks while full, get while empty
    got = [[] for _ in range(a.consumers)]
    peak = [0]

    def producer(who):
        for seq in range(a.items):
            q.put((who, seq))
            peak[0] = max(peak[0], q.qsize())  # approximate: qsize is a snapshot

    def consumer(c):
        while (item := q.get()) is not None:  # None is the sentinel: stop
            got[c].append(item)

    t0 = time.perf_counter()
    cs = [threading.Thread(target=consumer, args=(c,)) for c in range(a.consumers)]
    ps = [threading.Thread(target=producer, args=(w,)) for w in range(a.producers)]
    for t in cs + ps:
        t.start()
    for t in ps:
        t.join()
    for _ in cs:
        q.put(None)
    for t in cs:
        t.join()
    ms = round((time.perf_counter() - t0) * 1000)
    everything = [x for g in got for x in g]
    unique = set(everything)
    expected = a.producers * a.items
    # Each consumer sees each producer's items in the order they were put.
    in_order = all([s for w2, s in g if w2 == w] == sorted(s for w2, s in g if w2 == w)
                   for g in got for w in range(a.producers))
    print(f"{len(everything)} of {expected} items consumed in {ms} ms, none lost or duplicated: "
          f"{len(unique) == expected == len(everything)}")
    print("== result ==")
    for k, v in [("items", expected), ("peak", peak[0]), ("sentinel_consumed", len(everything)),
                 ("sentinel_lost", expected - len(unique)),
                 ("sentinel_duplicated", len(everything) - len(unique)),
                 ("sentinel_in_order", str(in_order).lower()), ("sentinel_ms", ms)]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
