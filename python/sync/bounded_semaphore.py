"""BoundedSemaphore: releasing more than was acquired is a ValueError.

Twin of examples-sync/src/bin/bounded_semaphore.rs (same flags and keys).
Ports: notes 004, Bounded semaphore. A plain Semaphore lets the extra
release through and its value grows past the start (plain_available).
`available` reads the private `_value` (Python has no public getter).

Run: python3 python/sync/bounded_semaphore.py --permits 2
"""
import argparse
import threading


def refused(release):
    try:
        release()
        return False
    except ValueError:  # "Semaphore released too many times"
        return True


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--permits", type=int, default=2)
    a = p.parse_args()
    sem = threading.BoundedSemaphore(a.permits)
    early = refused(sem.release)  # nothing acquired yet
    sem.acquire()
    sem.release()
    extra = refused(sem.release)  # one more than acquired
    after_extra = sem._value
    plain = threading.Semaphore(a.permits)
    plain.release()  # no error: the plain one just counts up
    print(f"extra release refused: {extra}; a plain Semaphore now has {plain._value}")
    print("== result ==")
    for k, v in [("extra_release_refused", str(extra).lower()),
                 ("early_release_refused", str(early).lower()),
                 ("available_after_extra", after_extra), ("available", sem._value),
                 ("bound", a.permits), ("plain_available", plain._value)]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
