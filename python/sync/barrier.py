"""Barreras: threads meet at a threading.Barrier; nobody starts the next phase until all arrive.

Twin of examples-sync/src/bin/barrier.rs (same flags and keys).
Ports: notes 004, "Eventos: ... notificaciones, barreras". Each phase is a
sleep (thread i sleeps i + 1 times --work-ms). Python's wait() returns an
index 0..n-1; the thread that gets 0 counts as the phase's leader (Rust:
is_leader()). in_order: every phase starts after the last end of the one before.

Run: python3 python/sync/barrier.py --threads 4 --phases 2
"""
import argparse
import threading
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--phases", type=int, default=2)
    p.add_argument("--work-ms", type=int, default=25)
    a = p.parse_args()
    barrier = threading.Barrier(a.threads)
    spans, leaders, lock = [], [0], threading.Lock()

    def worker(i):
        for phase in range(1, a.phases + 1):
            start = time.perf_counter()
            time.sleep((i + 1) * a.work_ms / 1000)
            with lock:
                spans.append((phase, start, time.perf_counter()))
            if phase < a.phases and barrier.wait(60) == 0:  # blocks until all have arrived
                with lock:
                    leaders[0] += 1

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(a.threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    of = lambda ph: [s for s in spans if s[0] == ph]
    in_order = all(min(s[1] for s in of(ph)) >= max(s[2] for s in of(ph - 1))
                   for ph in range(2, a.phases + 1))
    ends = [s[2] for s in of(1)]
    first_wait_ms = round((max(ends) - min(ends)) * 1000)
    print(f"no thread started a phase before all finished the one before: {in_order}")
    print("== result ==")
    for k, v in [("spans", len(spans)), ("in_order", str(in_order).lower()), ("leaders", leaders[0]),
                 ("first_wait_ms", first_wait_ms)]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
