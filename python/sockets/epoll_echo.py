"""One thread, many clients: the echo server on selectors (epoll on Linux).

Twin of examples-sockets/src/bin/epoll_echo.rs (its flags --serve, --port,
--clients, --flood-mb; its keys). Ports: notes 002 "Sockets como ejemplo"
("sistemas de notificación de eventos"). What short selectors examples skip
and this does: send() on a non-blocking socket may take only part of the data
(a short write); the rest waits in the connection's output buffer with
EVENT_WRITE interest, and reading from that client pauses while the buffer is
full, so a client that floods and reads slowly gets every byte, in order.
`--serve` serves until SIGTERM / Ctrl-C, then prints accepted and lines.

Run: python3 python/sockets/epoll_echo.py
     python3 python/sockets/epoll_echo.py --serve --port 7007
"""
import argparse
import selectors
import signal
import socket
import threading
import time

HIGH_WATER = 256 * 1024  # stop reading a client whose unsent echo exceeds this
stats = {"accepted": 0, "lines": 0, "short_writes": 0, "active": 0, "peak": 0}


def serve(listener, stop):
    sel = selectors.DefaultSelector()
    listener.setblocking(False)
    sel.register(listener, selectors.EVENT_READ, None)
    conns = {}  # socket -> [pending input, unsent output]

    def interest(sock):
        inp, out = conns[sock]
        mask = (selectors.EVENT_READ if len(out) < HIGH_WATER else 0) | (selectors.EVENT_WRITE if out else 0)
        sel.modify(sock, mask or selectors.EVENT_WRITE, None)

    def close(sock):
        sel.unregister(sock)
        del conns[sock]
        sock.close()
        stats["active"] -= 1

    while not stop.is_set():
        for key, mask in sel.select(timeout=0.1):
            sock = key.fileobj
            if sock is listener:
                try:
                    conn, _ = listener.accept()
                except BlockingIOError:
                    continue
                conn.setblocking(False)
                conns[conn] = [b"", b""]
                sel.register(conn, selectors.EVENT_READ, None)
                stats["accepted"] += 1
                stats["active"] += 1
                stats["peak"] = max(stats["peak"], stats["active"])
                continue
            state = conns[sock]
            if mask & selectors.EVENT_READ:
                try:
                    data = sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    data = None
                except OSError:
                    close(sock)
                    continue
                if data == b"":
                    if not state[1]:
                        close(sock)
                        continue
                elif data:
                    state[0] += data
                    whole, sep, state[0] = state[0].rpartition(b"\n")
                    if sep:
                        stats["lines"] += whole.count(b"\n") + 1
                        state[1] += whole + sep
            if state[1]:
                try:
                    sent = sock.send(state[1])
                except (BlockingIOError, InterruptedError):
                    sent = 0
                except OSError:
                    close(sock)
                    continue
                if sent < len(state[1]):
                    stats["short_writes"] += 1
                state[1] = state[1][sent:]
            interest(sock)
    sel.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--serve", action="store_true")
    p.add_argument("--port", type=int, default=7007)
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--flood-mb", type=int, default=8)
    a = p.parse_args()
    listener = socket.create_server(("127.0.0.1", a.port if a.serve else 0), backlog=1024)
    stop = threading.Event()
    if a.serve:
        print(f"serving on 127.0.0.1:{listener.getsockname()[1]} (Ctrl-C to stop)", flush=True)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        serve(listener, stop)
        print("stopped\n== result ==")
        print(f"accepted: {stats['accepted']}\nlines: {stats['lines']}")
        return
    server = threading.Thread(target=serve, args=(listener, stop), name="selector")
    server.start()
    addr = listener.getsockname()
    clients = []
    for i in range(a.clients):
        c = socket.create_connection(addr, timeout=30)
        c.sendall(f"hola {i}\n".encode())
        clients.append(c)
    for i, c in enumerate(clients):
        assert c.makefile("rb").readline() == f"hola {i}\n".encode()
    threads = threading.active_count()
    for c in clients:
        c.close()
    # A client sends --flood-mb MB before reading a byte, then reads it all back.
    line = bytes(ord("a") + i % 26 for i in range(999)) + b"\n"
    c = socket.create_connection(addr, timeout=30)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sender = threading.Thread(target=lambda: [c.sendall(line) for _ in range(a.flood_mb * 1000)])
    sender.start()
    time.sleep(0.3)  # a slow reader: not reading yet
    back, expected = bytearray(), line * (a.flood_mb * 1000)
    while len(back) < len(expected):
        data = c.recv(65536)
        assert data, f"closed after {len(back)} bytes"
        back += data
    sender.join()
    assert back == expected, "bytes out of order"
    c.close()
    deadline = time.monotonic() + 10
    while stats["active"] and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    server.join()
    print(f"{a.clients} clients on one selector thread; {len(back)} flood bytes back in order, "
          f"{stats['short_writes']} short writes")
    print("== result ==")
    for k, v in [("clients", a.clients), ("process_threads", threads),
                 ("peak_connections", stats["peak"]), ("flood_bytes_back", len(back)),
                 ("short_writes", stats["short_writes"]), ("lines", stats["lines"])]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
