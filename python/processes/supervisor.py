"""Supervisor (Cotyledon): a master process keeps N printer workers alive and stops them gracefully.

Twin of examples-processes/src/bin/supervisor.rs (its flags --workers,
--interval-ms, --plain-sleep, --stop-after-ms; the keys it shares).
Ports: notes 001, "Cotyledon". The notes use `cotyledon`, which is not in the
standard library: this twin does its job with multiprocessing + signal. The
master starts the workers, restarts one that dies (a new pid), and on SIGTERM
or --stop-after-ms sends each worker SIGTERM, whose handler sets the
threading.Event the notes' run() loop checks (Python runs signal handlers in
the main thread, between bytecodes: setting an Event there is safe). A worker
still running after the grace period is killed. SIGINT (Ctrl-C) kills them at
once; SIGHUP restarts them all (reloads).

Run: python3 python/processes/supervisor.py --workers 2 --stop-after-ms 3500
"""
import argparse
import multiprocessing
import os
import signal
import threading
import time

GRACE = 3.0


def printer(worker_id, interval, plain_sleep, ready):
    shutdown = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: shutdown.set())  # the notes' terminate()
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    ready.set()  # from now on a SIGTERM sets the event instead of killing us
    while not shutdown.is_set():  # the notes' run()
        print(f"printer:{worker_id} pid {os.getpid()}: Doing stuff", flush=True)
        if plain_sleep:
            time.sleep(interval)  # the notes' time.sleep(1): a stop waits out the pause
        else:
            shutdown.wait(interval)
    print(f"printer:{worker_id}: shutdown event seen: leaving run()", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--interval-ms", type=int, default=1000)
    p.add_argument("--plain-sleep", action="store_true")
    p.add_argument("--stop-after-ms", type=int, default=None)
    a = p.parse_args()
    ctx = multiprocessing.get_context("spawn")  # as the Rust example re-executes itself
    readies = [ctx.Event() for _ in range(a.workers)]

    def args(i):
        readies[i].clear()
        return (i, a.interval_ms / 1000, a.plain_sleep, readies[i])

    stop, hup = [None], [0]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, stop[0] or "sigterm"))
    signal.signal(signal.SIGINT, lambda *_: stop.__setitem__(0, stop[0] or "sigint"))
    signal.signal(signal.SIGHUP, lambda *_: hup.__setitem__(0, hup[0] + 1))
    workers = [ctx.Process(target=printer, args=args(i), name=f"printer:{i}") for i in range(a.workers)]
    for w in workers:
        w.start()
    print(f"master pid {os.getpid()} started {a.workers} workers: {[w.pid for w in workers]}", flush=True)
    started, restarts, reloads, delays = time.monotonic(), 0, 0, []
    while stop[0] is None:
        if a.stop_after_ms is not None and time.monotonic() - started >= a.stop_after_ms / 1000:
            stop[0] = "timer"
            break
        if hup[0] > reloads:  # SIGHUP: restart every worker
            reloads = hup[0]
            for i, w in enumerate(workers):
                readies[i].wait(GRACE)
                w.terminate()
        for i, w in enumerate(workers):
            if not w.is_alive():  # died (or was reloaded): start a new one
                w.join()
                t0 = time.monotonic()
                workers[i] = ctx.Process(target=printer, args=args(i), name=f"printer:{i}")
                workers[i].start()
                delays.append(round((time.monotonic() - t0) * 1000))
                restarts += 1
                print(f"worker {i} restarted as pid {workers[i].pid}", flush=True)
        time.sleep(0.05)
    t0 = time.monotonic()
    if stop[0] == "sigint":
        for w in workers:
            w.kill()
    else:
        for i, w in enumerate(workers):
            # A spawned worker still starting would die of SIGTERM's default
            # action: wait (within the grace period) until its handler is set.
            readies[i].wait(GRACE)
            w.terminate()  # SIGTERM: sets each worker's shutdown event
    deadline = time.monotonic() + GRACE
    for w in workers:
        w.join(max(0.0, deadline - time.monotonic()))
    killed = 0
    for w in workers:
        if w.is_alive():
            w.kill()
            w.join()
            killed += 1
    stop_ms = round((time.monotonic() - t0) * 1000)
    left = sum(1 for w in workers if w.exitcode == 0)
    leftovers = len(multiprocessing.active_children())
    print(f"stopped on {stop[0]}: {left} left by themselves, {killed} killed, in {stop_ms} ms")
    print("== result ==")
    for k, v in [("stop", stop[0]), ("left_by_themselves", left),
                 ("ended_badly", len(workers) - left - killed), ("killed", killed),
                 ("restarts", restarts - reloads * a.workers), ("reloads", reloads),
                 ("restart_delays_ms", ",".join(map(str, delays))), ("stop_ms", stop_ms),
                 ("leftovers", leftovers)]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
