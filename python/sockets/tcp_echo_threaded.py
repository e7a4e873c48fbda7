"""A thread per connection: the notes' network echo server, socketserver.ThreadingTCPServer.

Twin of examples-sockets/src/bin/tcp_echo_threaded.rs (its flags --serve,
--port, --few, --many; its keys). Ports: notes 004 (the network server),
notes 002 "Sockets como ejemplo". Unlike the Rust server this one bounds
nothing (no connection limit, no line limit, no idle timeout): that is
ThreadingTCPServer as it comes. `--serve` serves until SIGTERM / Ctrl-C and
then prints what it served (accepted, lines), as the Rust `--serve` does, so
`compare` can drive both with the same load client (echo_load).

Run: python3 python/sockets/tcp_echo_threaded.py
     python3 python/sockets/tcp_echo_threaded.py --serve --port 7007
"""
import argparse
import signal
import socket
import socketserver
import threading
import time

stats = {"accepted": 0, "lines": 0, "active": 0, "peak": 0}
lock = threading.Lock()


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        with lock:
            stats["accepted"] += 1
            stats["active"] += 1
            stats["peak"] = max(stats["peak"], stats["active"])
        try:
            for line in self.rfile:
                self.wfile.write(line)
                with lock:
                    stats["lines"] += 1
        finally:
            with lock:
                stats["active"] -= 1


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 1024


def threads_and_rss():
    with open("/proc/self/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return int(fields["Threads"]), int(fields["VmRSS"].split()[0])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--serve", action="store_true")
    p.add_argument("--port", type=int, default=7007)
    p.add_argument("--few", type=int, default=10)
    p.add_argument("--many", type=int, default=500)
    a = p.parse_args()
    server = Server(("127.0.0.1", a.port if a.serve else 0), Echo)
    threading.Thread(target=server.serve_forever, name="acceptor", daemon=True).start()
    if a.serve:
        print(f"serving on 127.0.0.1:{server.server_address[1]} (Ctrl-C to stop)", flush=True)
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        while not stop.wait(0.2):
            pass
        server.shutdown()
        print("stopped")
        print("== result ==")
        print(f"accepted: {stats['accepted']}\nlines: {stats['lines']}")
        return
    addr = server.server_address
    seen = []
    for n in (a.few, a.many):
        clients = []
        for i in range(n):
            c = socket.create_connection(addr, timeout=30)
            c.sendall(f"hola {i}\n".encode())
            assert c.makefile().readline() == f"hola {i}\n"
            clients.append(c)
        seen.append(threads_and_rss())
        print(f"{n} connections open, each echoed: {seen[-1][0]} threads, {seen[-1][1]} KiB resident")
        for c in clients:
            c.close()
        deadline = time.monotonic() + 10
        while stats["active"] and time.monotonic() < deadline:
            time.sleep(0.001)  # each handler reads end-of-stream and returns
    server.shutdown()
    print("== result ==")
    for k, v in [("threads_at_few", seen[0][0]), ("threads_at_many", seen[1][0]),
                 ("rss_kib_at_few", seen[0][1]), ("rss_kib_at_many", seen[1][1]),
                 ("peak_connections", stats["peak"]), ("lines", stats["lines"])]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
