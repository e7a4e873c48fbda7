"""Many concurrent HTTP GETs on one asyncio loop, bounded by a Semaphore.

Twin of examples-async/src/bin/async_requests.rs (same flags but --url; same keys).
Ports: notes 002 (`requests.get`, and the event loop). `requests` is not in
the standard library and blocks; asyncio has no HTTP client either, so this
twin writes the GET by hand on asyncio.open_connection (what aiohttp or
httpx would do for you), against a local server it starts (http.server,
answering after --delay-ms). asyncio.Semaphore(--limit) bounds those in flight.

Run: python3 python/async/async_requests.py --requests 10 --limit 5
"""
import argparse
import asyncio
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def slow_server(delay_s):
    served, lock = [0], threading.Lock()

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(delay_s)
            with lock:
                served[0] += 1
            body = b"hola\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer.request_queue_size = 512
    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, served


async def get(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    await writer.drain()
    status_line = await reader.readline()
    await reader.read()  # headers and body, until the server closes
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1])


async def main_async(a, port):
    t0 = time.perf_counter()
    sequential_ok = sum([await get(port) < 400 for _ in range(a.requests)])
    sequential = time.perf_counter() - t0
    sem, in_flight, most = asyncio.Semaphore(a.limit), [0], [0]

    async def bounded():
        async with sem:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
            try:
                return await get(port)
            finally:
                in_flight[0] -= 1

    t0 = time.perf_counter()
    statuses = await asyncio.gather(*(bounded() for _ in range(a.requests)))
    concurrent = time.perf_counter() - t0
    return sequential_ok + sum(s < 400 for s in statuses), most[0], sequential, concurrent


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=10)
    p.add_argument("--limit", type=int, default=5)
    p.add_argument("--delay-ms", type=int, default=200)
    a = p.parse_args()
    server, served = slow_server(a.delay_ms / 1000)
    ok, most, sequential, concurrent = asyncio.run(main_async(a, server.server_address[1]))
    server.shutdown()
    print(f"{a.requests} GETs: one after another {sequential * 1e3:.0f} ms, at most {a.limit} "
          f"at once {concurrent * 1e3:.0f} ms")
    print("== result ==")
    for k, v in [("requests", a.requests), ("ok", ok), ("limit", a.limit),
                 ("max_in_flight", most), ("sequential_ms", round(sequential * 1e3)),
                 ("concurrent_ms", round(concurrent * 1e3)), ("served", served[0])]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
