"""Semáforo: at most N threads use the (pretend) database at once.

Twin of examples-sync/src/bin/semaphore.rs (same flags; the keys it shares).
Ports: notes 004, "Uso de semaforos" ("limitar el acceso a base de datos"):
threading.Semaphore(permits) around each query. timed_out: acquire(timeout=)
on a semaphore with no permit left returns False. Rust-only keys:
timeline_overlap, library_max_inside (its timeline and its library's version).

Run: python3 python/sync/semaphore.py --permits 3 --threads 10
"""
import argparse
import threading
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--permits", type=int, default=3)
    p.add_argument("--threads", type=int, default=10)
    p.add_argument("--query-ms", type=int, default=100)
    a = p.parse_args()
    db = threading.Semaphore(a.permits)
    inside, most, lock = [0], [0], threading.Lock()

    def query():
        with db:  # acquire ... release, also on an exception
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(a.query_ms / 1000)
            with lock:
                inside[0] -= 1

    ts = [threading.Thread(target=query, name=f"hilo-{i}") for i in range(a.threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    empty = threading.Semaphore(0)
    timed_out = not empty.acquire(timeout=0.01)
    print(f"at most {most[0]} of {a.threads} threads inside at once (limit {a.permits})")
    print("== result ==")
    for k, v in [("permits", a.permits), ("max_inside", most[0]),
                 ("timed_out", str(timed_out).lower())]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
