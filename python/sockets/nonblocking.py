"""Blocking vs non-blocking: recv on a non-blocking socket raises BlockingIOError at once;
retrying burns a core, select() sleeps until the socket is ready.

Twin of examples-sockets/src/bin/nonblocking.rs (same flags and keys).
Ports: notes 002 "Sockets como ejemplo" ("pueden operar en modo NO
bloqueante ... que el sistema operativo nos informe"). The peer is a thread
that writes 10 bytes after --delay-ms, twice (once per way of waiting).
The CPU each wait costs is this thread's CPU clock (time.thread_time).

Run: python3 python/sockets/nonblocking.py --delay-ms 200
"""
import argparse
import select
import socket
import threading
import time


def pair_with_late_peer(delay):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def peer():
        conn, _ = listener.accept()
        time.sleep(delay)
        conn.sendall(b"hola, ya!\n")
        time.sleep(0.2)
        conn.close()
        listener.close()

    threading.Thread(target=peer, daemon=True).start()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--delay-ms", type=int, default=100)
    a = p.parse_args()
    delay = a.delay_ms / 1000
    sock = pair_with_late_peer(delay)
    try:
        sock.recv(1024)
        would_block = False
    except BlockingIOError:  # nothing yet: EAGAIN
        would_block = True
    tries, cpu = 0, time.thread_time()
    while True:  # retrying: a busy loop
        tries += 1
        try:
            data = sock.recv(1024)
            break
        except BlockingIOError:
            pass
    spin_cpu = (time.thread_time() - cpu) * 1000
    sock.close()
    sock = pair_with_late_peer(delay)
    wakeups, cpu = 0, time.thread_time()
    while True:
        readable, _, _ = select.select([sock], [], [], 10)  # sleep until readable
        wakeups += 1
        if readable:
            data = sock.recv(1024)
            break
    poll_cpu = (time.thread_time() - cpu) * 1000
    sock.close()
    print(f"retrying: {tries} tries, {spin_cpu:.1f} ms of CPU; select: {wakeups} wake-up(s), {poll_cpu:.2f} ms")
    print("== result ==")
    for k, v in [("would_block", str(would_block).lower()), ("spin_tries", tries),
                 ("spin_cpu_ms", f"{spin_cpu:.1f}"), ("poll_wakeups", wakeups),
                 ("poll_cpu_ms", f"{poll_cpu:.2f}"), ("bytes", len(data))]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
