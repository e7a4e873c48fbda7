"""asyncio's names: await, create_task, gather, as_completed, wait, wait_for, cancel.

Twin of examples-async/src/bin/coroutines.rs (same flags and keys).
Ports: notes 002, asyncio; 003, concurrent.futures (the same names). square(x)
sleeps (4 - x) units for x in 1..3, so they finish 3, 2, 1. A coroutine
object that is never awaited never runs (Python warns "coroutine ... was never
awaited"), as a Rust future dropped before its first poll.

Run: python3 python/async/coroutines.py --unit-ms 100
"""
import argparse
import asyncio

UNIT = 0.1
ran = []


async def square(x, units=None):
    ran.append(x)
    await asyncio.sleep(UNIT * (units if units is not None else max(1, 4 - x)))
    print(f"square({x}) done")
    return x * x


async def main_async():
    print(await square(3), await asyncio.create_task(square(4)))
    gathered = await asyncio.gather(square(1), square(2), square(3))  # argument order
    finished = [await f for f in asyncio.as_completed([square(1), square(2), square(3)])]
    fast = asyncio.create_task(square(5, 1), name="fast")
    slow = asyncio.create_task(square(6, 5), name="slow")
    done, pending = await asyncio.wait({fast, slow}, return_when=asyncio.FIRST_COMPLETED)
    first = done.pop().get_name()
    for p in pending:
        p.cancel()
    try:
        await asyncio.wait_for(square(7, 3), timeout=UNIT)
        timed_out = False
    except asyncio.TimeoutError:
        timed_out = True
    reached = []

    async def long_task():
        await asyncio.sleep(UNIT * 5)
        reached.append(True)

    task = asyncio.create_task(long_task())
    await asyncio.sleep(UNIT)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    dropped = square(99)  # a coroutine object, never awaited
    dropped.close()  # dropped: it never ran (close() also silences the warning)
    return gathered, finished, first, timed_out, task.cancelled(), bool(reached), 99 in ran


def main():
    global UNIT
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--unit-ms", type=int, default=100)
    a = p.parse_args()
    UNIT = a.unit_ms / 1000
    gathered, finished, first, timed_out, cancelled, reached, dropped_ran = asyncio.run(main_async())
    print(f"gather kept argument order {gathered}; as_completed gave finish order {finished}")
    print("== result ==")
    for k, v in [("gather_order", ",".join(map(str, gathered))),
                 ("as_completed_order", ",".join(map(str, finished))), ("first_completed", first),
                 ("timed_out", str(timed_out).lower()), ("cancelled", str(cancelled).lower()),
                 ("cancelled_task_finished", str(reached).lower()),
                 ("dropped_future_ran", str(dropped_ran).lower())]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
