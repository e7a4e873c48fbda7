"""FIFO: a named pipe between two processes.

Twin of examples-processes/src/bin/fifo.rs (its flags --message, --lines,
--interval-ms; the keys it shares). Ports: notes 004, "FIFO". os.mkfifo makes
the name; the writer process opens it for writing (open blocks until a reader
opens it too) and writes lines; the reader reads until end of file, then the
FIFO is removed. The *_ms keys are the Rust side's.

Run: python3 python/processes/fifo.py --lines 3 --interval-ms 500
"""
import argparse
import os
import tempfile
import time
from multiprocessing import Process


def writer(path, message, lines, interval):
    with open(path, "w") as fifo:  # blocks until the reader opens its end
        for i in range(lines):
            if i > 0:
                time.sleep(interval)  # pause between lines, as the Rust writer does
            fifo.write(f"{i} {message}\n")
            fifo.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--message", default="hola por la fifo")
    p.add_argument("--lines", type=int, default=3)
    p.add_argument("--interval-ms", type=int, default=0)
    a = p.parse_args()
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "fifo")
    os.mkfifo(path)
    w = Process(target=writer, args=(path, a.message, a.lines, a.interval_ms / 1000))
    w.start()
    got = []
    with open(path) as fifo:  # blocks until the writer opens its end
        for line in fifo:  # until end of file: the writer closed
            print(f"lector {os.getpid()}: {line.rstrip()}", flush=True)
            got.append(line)
    w.join(60)
    if w.is_alive():  # join(timeout) leaves a process running: end it and say so
        w.terminate()
        w.join()
        raise SystemExit("the writer did not exit within 60 s after closing its end")
    os.unlink(path)
    os.rmdir(folder)
    in_order = [int(line.split()[0]) for line in got] == list(range(len(got)))
    print("== result ==")
    for k, v in [("items", len(got)), ("expected", a.lines), ("in_order", str(in_order).lower()),
                 ("fifo_removed", str(not os.path.exists(path)).lower()), ("writer_pid", w.pid),
                 ("writer_exit", f"exit code {w.exitcode}"), ("reader_pid", os.getpid())]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
