"""Three tasks, one thread: the CPU parts take turns, the I/O waits overlap.

Twin of examples-async/src/bin/three_tasks.rs (same flags). Ports: notes 002,
"Como funciona un Event Loop?" (make_request x3, steps 1-4), made real with
asyncio: the CPU parts are busy loops, the web request is asyncio.sleep.
Keys: the Rust example runs two runtimes (wall_ms_hand, wall_ms_tokio, ...);
this twin runs asyncio's loop and prints wall_ms_asyncio, io_overlap_asyncio,
cpu_overlap_asyncio, plus sequential_ms (the same three one after another).

Run: python3 python/async/three_tasks.py --cpu-ms 100 --io-ms 200
"""
import argparse
import asyncio
import time

spans = []  # (kind, start, end)


def busy(ms):
    # ms of this thread's CPU time (as the Rust example burns): on a busy
    # machine that takes longer in wall time, the same work on both sides.
    start, cpu = time.perf_counter(), time.thread_time()
    while time.thread_time() - cpu < ms / 1000:
        pass  # CPU-bound: the loop cannot run anything else meanwhile
    spans.append(("cpu", start, time.perf_counter()))


async def make_request(cpu_ms, io_ms):
    busy(cpu_ms)  # cpu_bound_setup()
    start = time.perf_counter()
    await asyncio.sleep(io_ms / 1000)  # io_bound_web_request(): the loop runs other tasks
    # The wait ends at the deadline; resuming later is waiting for the loop.
    spans.append(("io", start, min(time.perf_counter(), start + io_ms / 1000)))
    busy(cpu_ms)  # cpu_bound_postprocess()


def max_overlap(kind):
    events = sorted([(s, 1) for k, s, _ in spans if k == kind] +
                    [(e, -1) for k, _, e in spans if k == kind])
    most = now = 0
    for _, d in events:
        now += d
        most = max(most, now)
    return most


async def gather(cpu_ms, io_ms):
    await asyncio.gather(*(make_request(cpu_ms, io_ms) for _ in range(3)))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cpu-ms", type=int, default=50)
    p.add_argument("--io-ms", type=int, default=300)
    a = p.parse_args()
    t0 = time.perf_counter()
    asyncio.run(gather(a.cpu_ms, a.io_ms))
    wall = time.perf_counter() - t0
    io, cpu = max_overlap("io"), max_overlap("cpu")
    spans.clear()

    async def one_by_one():
        for _ in range(3):
            await make_request(a.cpu_ms, a.io_ms)

    t0 = time.perf_counter()
    asyncio.run(one_by_one())
    sequential = time.perf_counter() - t0
    print(f"three tasks on one loop: {wall * 1e3:.0f} ms (one after another "
          f"{sequential * 1e3:.0f} ms); {io} waits at once, {cpu} CPU part at a time")
    print("== result ==")
    for k, v in [("wall_ms_asyncio", round(wall * 1e3)), ("io_overlap_asyncio", io),
                 ("cpu_overlap_asyncio", cpu), ("sequential_ms", round(sequential * 1e3))]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
