"""A semaphore at 0 as a signal: the waiter goes on only after release().

Twin of examples-sync/src/bin/semaphore_signal.rs (same flags and keys).
Ports: notes 004, Semáforos ("para señalizar threads"). Part 2, a relay:
stage i waits on its own semaphore and releases stage i + 1's; the threads
start last-first, yet run in stage order. waiter_asleep reads the private
Condition's waiter list (Python has no public count of waiters).

Run: python3 python/sync/semaphore_signal.py --delay-ms 300 --stages 4
"""
import argparse
import threading
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--delay-ms", type=int, default=300)
    p.add_argument("--stages", type=int, default=4)
    a = p.parse_args()
    signal = threading.Semaphore(0)
    proceeded, woke_at = threading.Event(), []

    def waiter():
        signal.acquire()
        woke_at.append(time.perf_counter())
        proceeded.set()

    w = threading.Thread(target=waiter)
    w.start()
    deadline = time.perf_counter() + 10
    while not signal._cond._waiters and time.perf_counter() < deadline:
        time.sleep(0.001)  # until the waiter sleeps in acquire()
    asleep = bool(signal._cond._waiters)
    time.sleep(a.delay_ms / 1000)  # main prepares
    early = proceeded.is_set()
    released_at = time.perf_counter()
    signal.release()
    w.join()
    after = proceeded.is_set()
    lag_us = round((woke_at[0] - released_at) * 1e6)

    sems = [threading.Semaphore(0) for _ in range(a.stages)]
    order, lock = [], threading.Lock()

    def stage(i):
        sems[i].acquire()
        with lock:
            order.append(i)
        if i + 1 < a.stages:
            sems[i + 1].release()

    ts = [threading.Thread(target=stage, args=(i,)) for i in reversed(range(a.stages))]
    for t in ts:
        t.start()
    sems[0].release()
    for t in ts:
        t.join()
    print(f"the waiter went on {lag_us} us after the release; the relay ran {order}")
    print("== result ==")
    for k, v in [("waiter_asleep", str(asleep).lower()), ("proceeded_early", str(early).lower()),
                 ("proceeded_after_signal", str(after).lower()), ("lag_us", lag_us),
                 ("relay_in_order", str(order == list(range(a.stages))).lower())]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
