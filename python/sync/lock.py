"""Cerrojo (Lock): one thread at a time on shared data; `with` releases it.

Twin of examples-sync/src/bin/lock.rs (same flags; the keys it shares).
Ports: notes 004, "Lock, un thread a la vez obtiene acceso a shared data",
"With statement es tu amigo". Rust-only keys (parking_lot_*, std_poisoned,
poisoned_value) have no twin: Python's Lock does not poison; after an
exception inside `with` the next thread just sees whatever was written.

Run: python3 python/sync/lock.py --threads 3 --rounds 4 --hold-ms 10
"""
import argparse
import threading
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--iterations", type=int, default=100_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--hold-ms", type=int, default=20)
    a = p.parse_args()
    lock = threading.Lock()
    counter = [0]

    def count():
        for _ in range(a.iterations):
            with lock:  # lock.acquire() ... lock.release(), also on an exception
                counter[0] += 1

    ts = [threading.Thread(target=count, name=f"hilo-{i}") for i in range(a.threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()

    holding, most, guard = [0], [0], threading.Lock()  # guard: the tally's own lock

    def hold():
        for _ in range(a.rounds):
            with lock:
                with guard:
                    holding[0] += 1
                    most[0] = max(most[0], holding[0])
                time.sleep(a.hold_ms / 1000)
                with guard:
                    holding[0] -= 1

    ts = [threading.Thread(target=hold, name=f"hilo-{i}") for i in range(a.threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()

    with lock:
        held_inside = lock.locked()
    free_after_scope = not lock.locked()

    def returns_early():
        with lock:
            raise ValueError("an error inside `with`")

    try:
        returns_early()
    except ValueError:
        pass
    free_after_return = not lock.locked()
    expected = a.threads * a.iterations
    print(f"counted {counter[0]} of {expected}; at most {most[0]} thread(s) held the lock at once")
    print("== result ==")
    for k, v in [("expected", expected), ("std_count", counter[0]), ("max_holding", most[0]),
                 ("held_inside", str(held_inside).lower()),
                 ("free_after_scope", str(free_after_scope).lower()),
                 ("free_after_return", str(free_after_return).lower())]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
