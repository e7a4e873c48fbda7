"""The echo server on asyncio, with a graceful shutdown: stop accepting, let
connections finish their line, cut what is left at a deadline.

Twin of examples-sockets/src/bin/tokio_echo.rs (its flags --serve, --port,
--clients, --grace-ms; its keys). Ports: notes 002 "Sockets como ejemplo"
(asyncio on the OS's event notification), the notes' asyncio server:
`asyncio.start_server(echo, ...)`, one task per connection. Shutdown: a stop
Event every handler watches beside its readline; server.close() refuses new
connections; asyncio.wait(handlers, timeout=grace) gives them the grace
period, then the rest are cancelled (cut). The demo's stuck client floods and
never reads, so its echo's drain() never finishes: it is the one cut.

Run: python3 python/sockets/tokio_echo.py
     python3 python/sockets/tokio_echo.py --serve --port 7007
"""
import argparse
import asyncio
import signal
import socket
import threading
import time

stats = {"accepted": 0, "lines": 0, "active": 0, "peak": 0}


async def run(listener, stop, grace):
    handlers = set()

    async def echo(reader, writer):
        handlers.add(asyncio.current_task())
        stats["accepted"] += 1
        stats["active"] += 1
        stats["peak"] = max(stats["peak"], stats["active"])
        try:
            stopped = asyncio.ensure_future(stop.wait())
            while True:
                line = asyncio.ensure_future(reader.readline())
                await asyncio.wait({line, stopped}, return_when=asyncio.FIRST_COMPLETED)
                if not line.done():  # stopped while idle: leave now
                    line.cancel()
                    break
                data = line.result()
                if not data:
                    break
                writer.write(data)
                await writer.drain()  # a client that never reads blocks here
                stats["lines"] += 1
            stopped.cancel()
        except asyncio.CancelledError:
            pass  # cut at the deadline: end quietly (asyncio would log a re-raised cancel)
        finally:
            stats["active"] -= 1
            writer.close()
            handlers.discard(asyncio.current_task())

    server = await asyncio.start_server(echo, sock=listener)
    await stop.wait()
    server.close()  # no new connections
    cut = 0
    if handlers:
        _, pending = await asyncio.wait(set(handlers), timeout=grace)
        for task in pending:  # still busy at the deadline: cut
            task.cancel()
            cut += 1
        await asyncio.gather(*pending, return_exceptions=True)
    return cut


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--serve", action="store_true")
    p.add_argument("--port", type=int, default=7007)
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--grace-ms", type=int, default=500)
    a = p.parse_args()
    listener = socket.create_server(("127.0.0.1", a.port if a.serve else 0), backlog=1024)
    addr, grace = listener.getsockname(), a.grace_ms / 1000
    if a.serve:
        async def serve():
            stop = asyncio.Event()
            for sig in (signal.SIGTERM, signal.SIGINT):
                asyncio.get_running_loop().add_signal_handler(sig, stop.set)
            print(f"serving on 127.0.0.1:{addr[1]} (Ctrl-C to stop)", flush=True)
            return await run(listener, stop, grace)

        cut = asyncio.run(serve())
        print(f"stopped; {cut} connections cut at the deadline\n== result ==")
        print(f"accepted: {stats['accepted']}\nlines: {stats['lines']}")
        return
    loop, ready = asyncio.new_event_loop(), threading.Event()
    stop = asyncio.Event()
    result = {}

    def serve_in_thread():
        asyncio.set_event_loop(loop)

        async def go():
            ready.set()
            result["cut"] = await run(listener, stop, grace)

        loop.run_until_complete(go())

    server = threading.Thread(target=serve_in_thread, name="asyncio")
    server.start()
    ready.wait(30)
    clients = []
    for i in range(a.clients):
        c = socket.create_connection(addr, timeout=30)
        c.sendall(f"hola {i}\n".encode())
        clients.append(c.makefile("rb"))
    for i, c in enumerate(clients):
        assert c.readline() == f"hola {i}\n".encode()
    peak = stats["peak"]
    stuck = socket.create_connection(addr)
    stuck.settimeout(0.3)
    try:
        while True:
            stuck.sendall(b"x" * 99 + b"\n")  # floods, never reads
    except (socket.timeout, OSError):
        pass
    loop.call_soon_threadsafe(stop.set)
    server.join()
    try:
        socket.create_connection(addr, timeout=1).close()
        refused = False
    except OSError:
        refused = True
    closed_politely = all(c.readline() == b"" for c in clients)
    print(f"{a.clients} idle clients closed at once, {result['cut']} cut at the deadline; "
          f"a new connect is {'refused' if refused else 'accepted (?)'}")
    print("== result ==")
    for k, v in [("clients", a.clients), ("peak_connections", peak),
                 ("closed_politely", str(closed_politely).lower()), ("cut_at_deadline", result["cut"]),
                 ("refused_after_stop", str(refused).lower()), ("open_after_stop", stats["active"])]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
