"""Cerrojo reentrante (RLock): the thread that holds the lock may take it again.

Twin of examples-sync/src/bin/rlock.rs (same flags and keys).
Ports: notes 004, "Rlock es para correr 1 thread 1 clase /funcion a la vez",
"Ojo con llamar cosas que hacen lock". The notes' Cuenta: depositar_varios
holds the RLock and calls depositar, which takes it again. Another thread
asking meanwhile is refused (acquire(timeout=) returns False) until the owner
has released the last level. std_refuses_owner: a plain Lock refuses its own
holder (acquire(blocking=False) is False; a blocking acquire would hang).

Run: python3 python/sync/rlock.py --depth 5 --hold-ms 50
"""
import argparse
import threading
import time


class Cuenta:
    def __init__(self):
        self.lock = threading.RLock()
        self.saldo = 0

    def depositar(self, x):
        with self.lock:
            self.saldo += x

    def depositar_varios(self, xs):
        with self.lock:  # held ...
            for x in xs:
                self.depositar(x)  # ... and taken again


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--depth", type=int, default=5)
    p.add_argument("--hold-ms", type=int, default=30)
    a = p.parse_args()
    lock, hold = threading.RLock(), a.hold_ms / 1000
    deepest, refused, after = [0], [None], [None]
    at_bottom, tried, released = threading.Event(), threading.Event(), threading.Event()

    def recurse(level):
        with lock:
            deepest[0] = max(deepest[0], level)
            if level < a.depth:
                recurse(level + 1)
            else:
                at_bottom.set()
                tried.wait(60)  # hold until the other hilo has asked (no sleep as a signal)
                time.sleep(hold)

    def other():
        at_bottom.wait(60)
        refused[0] = not lock.acquire(timeout=hold / 3)
        tried.set()
        released.wait(60)
        after[0] = lock.acquire(timeout=10)
        if after[0]:
            lock.release()

    t = threading.Thread(target=other)
    t.start()
    recurse(1)
    released.set()
    t.join()
    cuenta = Cuenta()
    cuenta.depositar_varios([10, 20, 30])
    cuenta.depositar(40)
    plain = threading.Lock()
    with plain:
        refuses = not plain.acquire(blocking=False)
    print(f"re-entered {deepest[0]} levels deep; saldo {cuenta.saldo}")
    print("== result ==")
    for k, v in [("deepest", deepest[0]), ("saldo", cuenta.saldo),
                 ("other_refused", str(refused[0]).lower()),
                 ("other_after_release", str(after[0]).lower()),
                 ("std_refuses_owner", str(refuses).lower())]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
