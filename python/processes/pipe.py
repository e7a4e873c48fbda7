"""Pipe: a one-way pipe and a duplex Pipe between two processes.

Twin of examples-processes/src/bin/pipe.rs (same flags and keys).
Ports: notes 000, "Pipe"; 003 (`Pipe`); 004 (pipes, values pickled).
1. `Pipe(duplex=False)`: the parent sends --notes notes and closes; the reader
   process reads until EOFError and exits 0 only if every note came in order.
2. `Pipe()` (duplex, a socket pair): a server process answers ("square", x)
   requests; the parent times --round-trips of them. multiprocessing pickles
   each value, as the Rust example frames it with serde.

Run: python3 python/processes/pipe.py --round-trips 100000
"""
import argparse
import statistics
import sys
import time
from multiprocessing import Pipe, Process


def reader(read_end, write_end, expected):
    write_end.close()  # our copy of the write end: keeping it would mean no EOF, ever
    count = 0
    try:
        while True:
            seq, _text = read_end.recv()
            if seq != count:
                sys.exit(1)
            count += 1
    except EOFError:
        pass
    sys.exit(0 if count == expected else 1)


def server(end):
    while True:
        kind, x = end.recv()
        if kind == "stop":
            end.send("bye")
            return
        end.send(x * x if kind == "square" else x)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--notes", type=int, default=5)
    p.add_argument("--round-trips", type=int, default=10_000)
    a = p.parse_args()
    read_end, write_end = Pipe(duplex=False)
    r = Process(target=reader, args=(read_end, write_end, a.notes))
    r.start()
    read_end.close()
    for seq in range(a.notes):
        write_end.send((seq, f"nota {seq}"))
    write_end.close()
    r.join(60)
    reader_exit = f"exit code {r.exitcode}"

    parent_end, child_end = Pipe()
    s = Process(target=server, args=(child_end,))
    s.start()
    checked = 0
    for x, kind in [(12, "square"), ("hola", "echo")]:
        parent_end.send((kind, x))
        checked += parent_end.recv() == (x * x if kind == "square" else x)
    times = []
    for i in range(a.round_trips):
        t0 = time.perf_counter()
        parent_end.send(("square", i))
        reply = parent_end.recv()
        times.append(time.perf_counter() - t0)
        checked += reply == i * i
    parent_end.send(("stop", 0))
    checked += parent_end.recv() == "bye"
    s.join(60)
    median = statistics.median(times)
    print(f"{checked} replies checked; median round trip {median * 1e6:.2f} us")
    print("== result ==")
    for k, v in [("notes_sent", a.notes), ("reader_exit", reader_exit),
                 ("replies_checked", checked), ("round_trip_median_us", f"{median * 1e6:.2f}")]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
