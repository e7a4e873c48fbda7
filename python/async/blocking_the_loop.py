"""CPU work inside the event loop stalls every task; an executor keeps the loop responsive.

Twin of examples-async/src/bin/blocking_the_loop.rs (same flags and keys).
Ports: notes 002 and 003 (CPU-bound vs I/O-bound). A 10 ms ticker task
measures how late it wakes while a CPU job of --job-ms runs: inside the loop
(late_ms_inline); in loop.run_in_executor(None, ...) on a thread
(late_ms_spawn_blocking: tokio's spawn_blocking; the GIL still makes the
ticker wait for the thread's switch interval, 5 ms); in a
ProcessPoolExecutor (late_ms_rayon: Rust uses rayon's threads, Python needs a
process to compute beside the loop); and time.sleep inside a coroutine
(late_ms_thread_sleep: blocks the loop like CPU work).

Run: python3 python/async/blocking_the_loop.py --job-ms 300
"""
import argparse
import asyncio
import time
from concurrent.futures import ProcessPoolExecutor


def cpu_job(ms):
    end = time.thread_time() + ms / 1000  # ms of CPU time, as the Rust example burns
    n = 0
    while time.thread_time() < end:
        n += 1
    return n


async def ticker(stop, worst):
    while not stop.is_set():
        due = time.perf_counter() + 0.010
        await asyncio.sleep(0.010)
        worst[0] = max(worst[0], time.perf_counter() - due)


async def with_ticker(job):
    stop, worst = asyncio.Event(), [0.0]
    t = asyncio.create_task(ticker(stop, worst))
    await asyncio.sleep(0.03)  # the ticker runs on time first
    await job()
    await asyncio.sleep(0.03)
    stop.set()
    await t
    return round(worst[0] * 1000, 1)


async def main_async(ms, procs):
    loop = asyncio.get_running_loop()

    async def inline():
        cpu_job(ms)

    async def on_thread():
        await loop.run_in_executor(None, cpu_job, ms)

    async def on_process():
        await loop.run_in_executor(procs, cpu_job, ms)

    async def slept():
        time.sleep(ms / 1000)

    return [await with_ticker(j) for j in (inline, on_thread, on_process, slept)]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--job-ms", type=int, default=300)
    a = p.parse_args()
    with ProcessPoolExecutor(max_workers=1) as procs:
        procs.submit(int).result()  # start the worker before any timing
        inline, thread, process, slept = asyncio.run(main_async(a.job_ms, procs))
    print(f"the ticker was late by {inline} ms with the job inside the loop, {thread} ms on a "
          f"thread, {process} ms in a process, {slept} ms under time.sleep")
    print("== result ==")
    for k, v in [("job_ms", a.job_ms), ("late_ms_inline", inline),
                 ("late_ms_spawn_blocking", thread), ("late_ms_rayon", process),
                 ("late_ms_thread_sleep", slept)]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
