"""Condition (proveedor y cliente): a bounded buffer on one threading.Condition.

Twin of examples-sync/src/bin/condition.rs (same flags; the keys it shares).
Ports: notes 004, "Condition ... ejemplo proveedor y cliente". Wait in a
`while`, and notify_all(): with one Condition, notify() can wake a producer
when a consumer was needed and leave everyone asleep (the Rust example's part
3 shows it; its keys library_* and notify_one_deadlocked are Rust's only).
Items are (producer, seq); the audit checks none lost, duplicated or reordered
per producer.

Run: python3 python/sync/condition.py --producers 3 --consumers 2 --capacity 4
"""
import argparse
import collections
import threading
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--producers", type=int, default=2)
    p.add_argument("--consumers", type=int, default=2)
    p.add_argument("--items", type=int, default=6)
    p.add_argument("--capacity", type=int, default=3)
    p.add_argument("--produce-ms", type=int, default=10)
    p.add_argument("--consume-ms", type=int, default=25)
    a = p.parse_args()
    cond = threading.Condition()
    items = collections.deque()
    state = {"peak": 0, "full_waits": 0, "empty_waits": 0, "done": 0}
    consumed = []

    def proveedor(who):
        for seq in range(a.items):
            time.sleep(a.produce_ms / 1000)
            with cond:
                while len(items) == a.capacity:
                    state["full_waits"] += 1
                    cond.wait()
                items.append((who, seq))
                state["peak"] = max(state["peak"], len(items))
                cond.notify_all()
        with cond:
            state["done"] += 1
            cond.notify_all()

    def cliente():
        while True:
            with cond:
                while not items and state["done"] < a.producers:
                    state["empty_waits"] += 1
                    cond.wait()
                if not items:
                    return  # every proveedor finished and the buffer is empty
                item = items.popleft()
                consumed.append(item)
                cond.notify_all()
            time.sleep(a.consume_ms / 1000)

    ts = [threading.Thread(target=proveedor, args=(w,)) for w in range(a.producers)]
    ts += [threading.Thread(target=cliente) for _ in range(a.consumers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    produced = a.producers * a.items
    unique = set(consumed)
    lost = produced - len(unique)
    duplicated = len(consumed) - len(unique)
    in_order = all([s for w2, s in consumed if w2 == w] == sorted([s for w2, s in consumed if w2 == w])
                   for w in range(a.producers))
    print(f"{len(consumed)} of {produced} items consumed; the buffer held at most {state['peak']}")
    print("== result ==")
    for k, v in [("items", produced), ("consumed", len(consumed)), ("lost", lost),
                 ("duplicated", duplicated), ("in_order", str(in_order).lower()),
                 ("peak", state["peak"]), ("full_waits", state["full_waits"]),
                 ("empty_waits", state["empty_waits"])]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
