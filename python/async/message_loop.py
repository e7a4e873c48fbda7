"""The simplest event loop: the notes' deque loop (it spins), then one that sleeps.

Twin of examples-async/src/bin/message_loop.rs (same flags and keys).
Ports: notes 002, "Como funciona un Event Loop?": `while True: if messages:
message = messages.pop()`. pop() takes the newest message (a stack: each
burst comes out reversed), and while the deque is empty the loop asks again
and again, burning CPU. The loop to copy blocks in queue.Queue.get() and
keeps arrival order. A producer thread sends --bursts of --burst messages,
--gap-ms apart; None ends each loop.

Run: python3 python/async/message_loop.py --bursts 4 --burst 3 --gap-ms 50
"""
import argparse
import collections
import queue
import threading
import time


def produce(put, bursts, burst, gap, lock=None):
    n = 0
    for _ in range(bursts):
        time.sleep(gap)
        if lock:
            with lock:  # the burst arrives together
                for _ in range(burst):
                    put(n)
                    n += 1
        else:
            for _ in range(burst):
                put(n)
                n += 1
    time.sleep(gap)
    put(None)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bursts", type=int, default=4)
    p.add_argument("--burst", type=int, default=3)
    p.add_argument("--gap-ms", type=int, default=50)
    a = p.parse_args()
    gap = a.gap_ms / 1000
    messages, lock = collections.deque(), threading.Lock()
    t = threading.Thread(target=produce, args=(messages.append, a.bursts, a.burst, gap, lock))
    spin_order, empty = [], 0
    wall, cpu = time.perf_counter(), time.process_time()
    t.start()
    while True:
        with lock:
            message = messages.pop() if messages else "empty"  # the notes' pop(): the newest
        if message == "empty":
            empty += 1
            continue
        if message is None:
            break
        spin_order.append(message)
    spin_wall, spin_cpu = time.perf_counter() - wall, time.process_time() - cpu
    t.join()

    q = queue.Queue()
    t = threading.Thread(target=produce, args=(q.put, a.bursts, a.burst, gap))
    sleep_order = []
    wall, cpu = time.perf_counter(), time.process_time()
    t.start()
    while (message := q.get()) is not None:  # sleeps while empty
        sleep_order.append(message)
    sleep_wall, sleep_cpu = time.perf_counter() - wall, time.process_time() - cpu
    t.join()
    print(f"deque loop order {spin_order}, {empty} looks at an empty deque; queue loop order {sleep_order}")
    in_order = lambda xs: xs == sorted(xs)
    print("== result ==")
    for k, v in [("items", len(sleep_order)), ("spin_in_order", str(in_order(spin_order)).lower()),
                 ("spin_empty_checks", empty), ("spin_cpu_ms", f"{spin_cpu * 1e3:.2f}"),
                 ("spin_wall_ms", f"{spin_wall * 1e3:.2f}"),
                 ("sleep_in_order", str(in_order(sleep_order)).lower()),
                 ("sleep_cpu_ms", f"{sleep_cpu * 1e3:.2f}"), ("sleep_wall_ms", f"{sleep_wall * 1e3:.2f}")]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
