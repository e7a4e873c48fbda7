"""Cola entre procesos: a producer process and a consumer process, shut down by a sentinel.

Twin of examples-processes/src/bin/process_queue.rs (same flags and keys).
Ports: notes 000, "Queue"; 003, "Queue" (`from multiprocessing import Process, Queue`).
The consumer reports what it saw through a second queue (its exit code could
only say yes or no).

Run: python3 python/processes/process_queue.py --items 1000 --quiet
"""
import argparse
import os
from multiprocessing import Process, Queue


def producer(queue, items, quiet):
    for item in range(items):
        queue.put(item)
        if not quiet:
            print(f"productor {os.getpid()}: put {item}", flush=True)
    queue.put(None)  # the sentinel: "no more items"


def consumer(queue, report):
    got, saw_sentinel = [], False
    while True:
        item = queue.get(timeout=60)
        if item is None:
            saw_sentinel = True
            break
        got.append(item)
    report.put((os.getpid(), len(got), got == sorted(got) and len(set(got)) == len(got), saw_sentinel))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=10)
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args()
    queue, report = Queue(), Queue()
    c = Process(target=consumer, args=(queue, report))
    pr = Process(target=producer, args=(queue, a.items, a.quiet))
    c.start()
    pr.start()
    consumer_pid, received, in_order, saw_sentinel = report.get(timeout=120)
    pr.join()
    c.join()
    print(f"the consumer got {received} of {a.items} items, in order: {in_order}")
    print("== result ==")
    for k, v in [("items", received), ("expected", a.items), ("in_order", str(in_order).lower()),
                 ("sentinel_seen", str(saw_sentinel).lower()), ("producer_pid", pr.pid),
                 ("consumer_pid", consumer_pid)]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
