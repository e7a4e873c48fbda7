"""Eventos: one set() wakes every waiter; wait(timeout) returns False while unset.

Twin of examples-sync/src/bin/event.rs (same flags and keys it shares).
Ports: notes 004, Eventos ("despertar muchos threads"): threading.Event.

Run: python3 python/sync/event.py --waiters 5 --delay-ms 200
"""
import argparse
import threading
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--waiters", type=int, default=5)
    p.add_argument("--delay-ms", type=int, default=200)
    p.add_argument("--timeout-ms", type=int, default=100)
    a = p.parse_args()
    event = threading.Event()
    woke, lock = [], threading.Lock()
    set_at = [None]

    def waiter():
        event.wait(60)
        with lock:
            woke.append(time.perf_counter())

    ts = [threading.Thread(target=waiter) for _ in range(a.waiters)]
    for t in ts:
        t.start()
    time.sleep(a.delay_ms / 1000)
    set_at[0] = time.perf_counter()
    event.set()
    for t in ts:
        t.join()
    all_after = all(w >= set_at[0] for w in woke)
    event.clear()
    t0 = time.perf_counter()
    unset = event.wait(a.timeout_ms / 1000)
    unset_ms = round((time.perf_counter() - t0) * 1000)
    event.set()
    set_wait = event.wait(a.timeout_ms / 1000)
    event.clear()
    cleared = event.wait(0.001)
    print(f"{len(woke)} of {a.waiters} woke on one set(); wait on an unset event: {unset} after {unset_ms} ms")
    print("== result ==")
    for k, v in [("waiters", a.waiters), ("woken", len(woke)), ("all_after_set", str(all_after).lower()),
                 ("unset_wait", str(unset).lower()), ("unset_wait_ms", unset_ms),
                 ("set_wait", str(set_wait).lower()), ("cleared_wait", str(cleared).lower())]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
