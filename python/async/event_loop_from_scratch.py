"""The bucle de eventos at work: asyncio's loop running sleepers, an echo over
loopback TCP and a value from another thread; then many tasks sleeping at once
cost (almost) no CPU.

Twin of examples-async/src/bin/event_loop_from_scratch.rs (same flags; the
keys it shares). Ports: notes 002, "Como funciona un Event Loop?" and
"Sockets como ejemplo" (the OS's event notification: asyncio's selector
loop sits on epoll on Linux). The Rust example builds the loop by hand and
traces each poll (its reader_polls, eventfd_wakes, timers_fired are its
own); here the loop is asyncio's, the same work run on it.

Run: python3 python/async/event_loop_from_scratch.py --sleepers 1000 --idle-ms 500
"""
import argparse
import asyncio
import threading
import time


async def sleeper(name, ms):
    await asyncio.sleep(ms / 1000)  # the loop sets a timer and runs others
    print(f"{name} woke after {ms} ms", flush=True)


async def echo_once(reader, writer):
    writer.write(await reader.readline())
    await writer.drain()
    writer.close()


async def part_one():
    server = await asyncio.start_server(echo_once, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    async def client():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"hola bucle\n")
        await writer.drain()
        line = await reader.readline()  # nothing yet: the task waits for the selector
        writer.close()
        return line == b"hola bucle\n"

    loop = asyncio.get_running_loop()
    from_thread = loop.create_future()
    # Another thread hands the loop a value: call_soon_threadsafe wakes the
    # selector (asyncio writes to a self-pipe, as the Rust loop writes an eventfd).
    threading.Thread(target=lambda: loop.call_soon_threadsafe(from_thread.set_result, 42)).start()
    ok, _, _, value = await asyncio.gather(client(), sleeper("sleeper-1", 20), sleeper("sleeper-2", 40),
                                           from_thread)
    server.close()
    await server.wait_closed()
    print(f"echo ok: {ok}; value from another thread: {value}")
    return ok


async def many_sleepers(n, ms):
    await asyncio.gather(*(asyncio.sleep(ms / 1000) for _ in range(n)))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sleepers", type=int, default=1000)
    p.add_argument("--idle-ms", type=int, default=500)
    a = p.parse_args()
    echo_ok = asyncio.run(part_one())
    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(many_sleepers(a.sleepers, a.idle_ms))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{a.sleepers} tasks slept {a.idle_ms} ms at once: {wall * 1e3:.1f} ms of wall time, "
          f"{cpu * 1e3:.2f} ms of CPU: the loop sleeps in the selector")
    print("== result ==")
    for k, v in [("echo_ok", str(echo_ok).lower()), ("sleepers", a.sleepers),
                 ("wall_ms", f"{wall * 1e3:.1f}"), ("cpu_ms", f"{cpu * 1e3:.2f}"),
                 ("cpu_percent", f"{100 * cpu / wall:.2f}")]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
