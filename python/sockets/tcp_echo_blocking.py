"""A blocking echo, step by step, with the TCP state the OS reports at each
step; then a blocking server serves one client at a time.

Twin of examples-sockets/src/bin/tcp_echo_blocking.rs (same keys).
Ports: notes 002 "Sockets como ejemplo" (SYN, SYN-ACK, ACK; send/recv; FIN,
ACK, FIN, ACK). The states come from /proc/net/tcp (Linux only), where each
socket's line holds its local and remote address:port in hex and its state.

Run: python3 python/sockets/tcp_echo_blocking.py
"""
import socket
import threading
import time

STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1",
          "05": "FIN_WAIT2", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT",
          "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING"}
seen = set()


def show(port, step, expect=()):
    """Prints the states of the sockets on `port`, first waiting up to 1 s
    for the `expect`ed (side, state) pairs: the kernels finish a step a moment
    after the call that started it returns."""
    deadline = time.monotonic() + 1
    found = states(port)
    while found and not all(e in found for e in expect) and time.monotonic() < deadline:
        time.sleep(0.005)
        found = states(port)
    seen.update(state for _, state in found)
    print(f"{step:48} {', '.join(f'{s} {st}' for s, st in found) or '(Linux only)'}")


def states(port):
    found = []
    try:
        with open("/proc/net/tcp") as f:
            for line in list(f)[1:]:
                fields = line.split()
                local, remote, state = int(fields[1].split(":")[1], 16), int(fields[2].split(":")[1], 16), fields[3]
                if local == port:
                    found.append(("server", STATES.get(state, state)))
                elif remote == port:
                    found.append(("client", STATES.get(state, state)))
    except OSError:
        pass  # not Linux: the steps run without the states
    return found


def main():
    srv = socket.create_server(("127.0.0.1", 0))  # socket() + bind() + listen()
    port = srv.getsockname()[1]
    show(port, "servidor: bind + listen", [("server", "LISTEN")])
    cli = socket.create_connection(("127.0.0.1", port))
    show(port, "cliente->servidor SYN, SYN-ACK, ACK (connect)",
         [("client", "ESTABLISHED"), ("server", "ESTABLISHED")])
    conn, _ = srv.accept()  # takes the finished connection off the queue
    show(port, "servidor: accept")
    cli.sendall(b"hola\n")
    reader = conn.makefile("rb")
    conn.sendall(reader.readline())  # blocks until the line is here
    echo = cli.recv(5, socket.MSG_WAITALL)  # blocks until the echo is here
    show(port, "send() / recv() / send() / recv()")
    cli.shutdown(socket.SHUT_WR)  # the client's FIN
    show(port, "cliente->servidor FIN, ACK", [("client", "FIN_WAIT2"), ("server", "CLOSE_WAIT")])
    at_end = len(reader.readline())  # 0: the server sees the FIN as end of stream
    reader.close()
    conn.close()  # the server's FIN
    show(port, "servidor->cliente FIN, ACK", [("client", "TIME_WAIT")])
    cli.close()
    srv.close()

    listener = socket.create_server(("127.0.0.1", 0))
    stop, peak, active = threading.Event(), [0], [0]

    def one_at_a_time():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                c, _ = listener.accept()
            except socket.timeout:
                continue
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            with c, c.makefile("rb") as lines:
                for line in lines:  # this client only, until it leaves
                    c.sendall(line)
            active[0] -= 1

    server = threading.Thread(target=one_at_a_time)
    server.start()
    first = socket.create_connection(listener.getsockname())
    first.sendall(b"uno\n")
    first.recv(4, socket.MSG_WAITALL)
    second = socket.create_connection(listener.getsockname())  # connected by the kernel, not accepted
    second.sendall(b"dos\n")
    second.settimeout(0.3)
    try:
        second.recv(4)
        waited = False
    except socket.timeout:
        waited = True
    first.close()
    second.settimeout(10)
    second.recv(4, socket.MSG_WAITALL)
    second.close()
    stop.set()
    server.join()
    listener.close()
    print(f"echo {echo!r}, then the server read {at_end} bytes: end of stream; "
          f"the second client waited for the first: {waited}")
    print("== result ==")
    for k, v in [("echo_ok", echo == b"hola\n"), ("seen_listen", "LISTEN" in seen),
                 ("seen_established", "ESTABLISHED" in seen), ("seen_fin_wait", "FIN_WAIT2" in seen),
                 ("seen_close_wait", "CLOSE_WAIT" in seen), ("seen_time_wait", "TIME_WAIT" in seen),
                 ("second_waited", waited), ("served_at_once", peak[0])]:
        print(f"{k}: {str(v).lower()}")


if __name__ == "__main__":
    main()
