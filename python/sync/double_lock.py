"""Doble cerrojo: a lock taken twice, and two locks in opposite orders, detected by timeouts.

Twin of examples-sync/src/bin/double_lock.rs (same flags and keys).
Ports: notes 004, "No hacer double lock", "Ojo con llamar cosas que hacen
lock". A second `with lock:` in the same thread hangs forever, so this twin
asks with lock.acquire(timeout=...) and reports False instead of hanging.
Two threads taking a then b and b then a each hold one and time out on the
other (opposite_order_done: how many got both); in one global order both do.

Run: python3 python/sync/double_lock.py --timeout-ms 500
"""
import argparse
import threading


def two_locks(opposite, timeout):
    a, b = threading.Lock(), threading.Lock()
    meet = threading.Barrier(2)
    done = []

    def hilo(i):
        first, second = (b, a) if (i == 1 and opposite) else (a, b)
        with first:
            if opposite:
                meet.wait(60)  # both hold their first lock: the cycle is certain
            if second.acquire(timeout=timeout):
                done.append(i)
                second.release()
            if opposite:
                meet.wait(60)  # both report before either lets go

    ts = [threading.Thread(target=hilo, args=(i,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return len(done)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--timeout-ms", type=int, default=200)
    a = p.parse_args()
    timeout = a.timeout_ms / 1000
    lock = threading.Lock()

    def helper():  # a helper that locks too
        got = lock.acquire(timeout=timeout)
        if got:
            lock.release()
        return got

    with lock:
        detected = not helper()
    opposite = two_locks(True, timeout)
    ordered = two_locks(False, timeout)
    print(f"helper's second lock detected: {detected}; opposite orders {opposite} of 2, one order {ordered} of 2")
    print("== result ==")
    for k, v in [("self_deadlock_detected", str(detected).lower()),
                 ("opposite_order_done", opposite), ("one_order_done", ordered)]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
