"""Síncrono vs hilos: blocking HTTP GETs one after another, then one thread each.

Twin of examples-threads/src/bin/sync_vs_threaded_requests.rs (same flags and keys).
Ports: notes 002, "El GIL para CPU-Bound y I/O-Bound" ("Sincrono vs Asincrono").
The notes use `requests.get('https://www.google.com.mx')`; `requests` is not in
the standard library, so this twin uses urllib.request.urlopen against a local
server it starts (http.server, answering after --delay-ms): no internet needed.

Run: python3 python/threads/sync_vs_threaded_requests.py --delay-ms 200
"""
import argparse
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

START = time.perf_counter()
first_status = []


def slow_server(delay_s):
    served, lock = [0], threading.Lock()

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(delay_s)
            with lock:  # one handler thread per request: count under a lock
                served[0] += 1
            body = b"hola\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, served


def read_example(url, statuses):
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        status = response.status
    at = time.perf_counter() - START
    if not first_status:
        first_status.append(at)
    print(f"{at * 1e3:8.1f} ms  {threading.current_thread().name}: status {status}")
    statuses.append(status)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=2)
    p.add_argument("--delay-ms", type=int, default=200)
    a = p.parse_args()
    server, served = slow_server(a.delay_ms / 1000)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    statuses = []
    t0 = time.perf_counter()
    for _ in range(a.requests):
        read_example(url, statuses)
    sequential = time.perf_counter() - t0
    threads = [threading.Thread(target=read_example, args=(url, statuses), name=f"request-{i}")
               for i in range(a.requests)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    threaded = time.perf_counter() - t0
    server.shutdown()
    all_200 = len(statuses) == 2 * a.requests and all(s == 200 for s in statuses)
    print(f"What you saw: one after another {sequential * 1e3:.0f} ms, in threads "
          f"{threaded * 1e3:.0f} ms: a blocking GET releases the GIL while it waits.")
    print("== result ==")
    for k, v in [("requests", a.requests), ("served", served[0]),
                 ("all_200", str(all_200).lower()),
                 ("first_status_ms", f"{first_status[0] * 1e3:.1f}"),
                 ("sequential_ms", f"{sequential * 1e3:.1f}"),
                 ("threaded_ms", f"{threaded * 1e3:.1f}"),
                 ("speedup_threads", f"{sequential / threaded:.2f}")]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
