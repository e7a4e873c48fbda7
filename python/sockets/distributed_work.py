"""Distributed work by messages: a BaseManager serves a task queue and a result queue over TCP.

Twin of examples-sockets/src/bin/distributed_work.rs (its flags --chunks, --n,
--workers, --fault kill|stop|late, --deadline-ms, --bind, --connect; its keys).
Ports: notes 004, "Computo distribuido, a travez de mensajes (clusters de
estaciones de trabajo, comunicacion via socket)", on the job of notes 001 (8 x
the sum of 1,000,000 random ints). The notes give no program; this is what the
standard library offers: multiprocessing.managers.BaseManager serving two
queue.Queue (tasks, results) over TCP (pickle, authkey). The coordinator puts
chunks (id, n, seed) on the task queue; each worker, a multiprocessing.Process
started here, connects to the manager by address and authkey exactly as a
worker on another machine would (`--connect HOST:PORT` runs this script as
such a worker by hand), takes a chunk, sums n `Random(seed).randint(1, 100)`
and puts (id, sum, its name) on the result queue.

The lesson, what differs from Rust: nothing here notices a lost worker. A
task a worker took is out of the queue; if the worker dies, the task is simply
gone (a worker killed while blocked in get() even swallows the next task put:
the manager's thread for its connection takes it and fails to send it). There
is no heartbeat and nobody redoes anything, so the coordinator can only wait
with a deadline: it gives up after 5 x --deadline-ms without an answer and
says which chunks never came back (own key `missing`). A `kill` or `stop`
fault therefore ends with correct: false (exit 1, as Rust's incorrect run
would), not with a hang. A `late` worker is sent SIGCONT once --deadline-ms
passed without an answer; its answer then arrives late and counts once, the
only answer for that chunk (nobody redid it, so it is no duplicate):
`redone` and `late_duplicates` are always 0. `workers_lost` counts the
started workers that did not exit cleanly (killed themselves, or stopped and
killed here at the end: `killed`). The sums use Python's generator (Mersenne
Twister), so `sum` and `sum_sequential` differ from Rust's (wyrand); the
seeds are the same. Not here: Rust's --hosts netns and its keys refused,
hosts, netns_tag. Here only: --authkey, and --name for a worker by hand.

Run: python3 python/sockets/distributed_work.py --workers 4 --fault kill --fault stop --fault late
     python3 python/sockets/distributed_work.py --workers 0 --bind 0.0.0.0:7100   (then, elsewhere:)
     python3 python/sockets/distributed_work.py --connect COORDINATOR:7100
"""
import argparse
import os
import queue
import random
import signal
import sys
import time
import multiprocessing
from multiprocessing.managers import BaseManager

TASKS = queue.Queue()
RESULTS = queue.Queue()


# Module-level functions, not lambdas: the registry must pickle where the
# manager's server process is spawned rather than forked.
def tasks():
    return TASKS


def results():
    return RESULTS


class QueueManager(BaseManager):
    pass


QueueManager.register("tasks", callable=tasks)
QueueManager.register("results", callable=results)

SIGNALS = {"kill": signal.SIGKILL, "stop": signal.SIGSTOP, "late": signal.SIGSTOP}


def sum_chunk(n, seed, halfway=None):
    """The notes' job on one chunk; `halfway` is called once half is summed."""
    rng = random.Random(seed)
    total = sum(rng.randint(1, 100) for _ in range(n // 2))
    if halfway:
        halfway()
    return total + sum(rng.randint(1, 100) for _ in range(n - n // 2))


def worker(address, authkey, name, fault=None):
    """Connect to the manager as any machine would, then sum chunks until None."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the coordinator's handler, inherited
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C: the coordinator cleans up
    manager = QueueManager(address=address, authkey=authkey)
    for _ in range(100):  # the coordinator may not listen yet
        try:
            manager.connect()
            break
        except ConnectionRefusedError:
            time.sleep(0.1)
    else:
        manager.connect()
    todo, done = manager.tasks(), manager.results()
    done.put(("ready", name, os.getpid()))
    while True:
        try:
            chunk = todo.get()
        except (EOFError, OSError):  # the manager is gone: the coordinator finished
            print(f"{name}: the manager went away", flush=True)
            return
        if chunk is None:
            return
        cid, n, seed = chunk

        def strike():
            print(f"{name}: chunk {cid} half done: {fault} now", flush=True)
            os.kill(os.getpid(), SIGNALS[fault])

        total = sum_chunk(n, seed, strike if fault else None)
        fault = None
        print(f"{name}: chunk {cid} = {total}", flush=True)
        done.put(("result", cid, total, name))


def host_port(text):
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT")
    return host, int(port)


def in_range(lo, hi):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{value} is not in {lo}..={hi}")
        return value
    return parse


def stop_on_sigterm(*_):
    raise SystemExit("stopped by a signal: workers killed, nothing left behind")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chunks", type=in_range(1, 10_000), default=8, help="chunks the job is cut into")
    p.add_argument("--n", type=in_range(1, 1_000_000_000), default=1_000_000,
                   help="random numbers summed in each chunk")
    p.add_argument("--workers", type=in_range(0, 64), default=3,
                   help="worker processes started here (0: only workers started by hand)")
    p.add_argument("--fault", action="append", default=[], choices=sorted(SIGNALS),
                   help="make a worker fail halfway through its first chunk (repeat: one per worker, the last ones)")
    p.add_argument("--deadline-ms", type=in_range(100, 60_000), default=1000,
                   help="SIGCONT to a late worker after this long without an answer; give up after 5x")
    p.add_argument("--bind", type=host_port, default=("127.0.0.1", 0),
                   help="the manager's address (port 0: any free port)")
    p.add_argument("--connect", type=host_port, metavar="HOST:PORT",
                   help="be a worker: join the manager at this address")
    p.add_argument("--name", help="this worker's name (with --connect)")
    p.add_argument("--authkey", default="notas-004", help="the manager's shared secret")
    a = p.parse_args()
    authkey = a.authkey.encode()
    if a.connect:
        name = a.name or f"worker-{os.getpid()}"
        return worker(a.connect, authkey, name, a.fault[0] if a.fault else None)
    if len(a.fault) > a.workers:
        p.error("more --fault than --workers: one fault per worker")
    faulty = a.workers - len(a.fault)
    faults = [None] * faulty + a.fault  # the last workers get the faults

    deadline = a.deadline_ms / 1000
    manager = QueueManager(address=a.bind, authkey=authkey)
    manager.start()
    procs = []
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        host, port = manager.address
        print(f"coordinator: manager on {host}:{port} (pid {manager._process.pid}); by hand: "
              f"python3 python/sockets/distributed_work.py --connect {host}:{port}", flush=True)
        todo, done = manager.tasks(), manager.results()
        for i, fault in enumerate(faults):
            proc = multiprocessing.Process(target=worker, name=f"w{i}",
                                           args=(manager.address, authkey, f"w{i}", fault))
            proc.start()
            procs.append(proc)
        report = coordinate(a, todo, done, procs, faults, deadline)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # cleaning up: not twice
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for proc in procs:  # SIGKILL ends a stopped process too
            if proc.is_alive():
                proc.kill()
            proc.join()
        manager.shutdown()
    print_report(a, report)
    if report["missing"]:
        sys.exit(f"error: {len(report['missing'])} of {a.chunks} chunks never came back")


def coordinate(a, todo, done, procs, faults, deadline):
    # Wait for the workers started here, so each gets a first chunk (and its fault).
    joined = {}  # name -> {"pid", "chunks"}
    until = time.monotonic() + 30
    while len(joined) < a.workers:
        try:
            _, name, pid = done.get(timeout=max(0.01, until - time.monotonic()))
        except queue.Empty:
            raise SystemExit(f"only {len(joined)} of {a.workers} workers joined in 30 s")
        joined[name] = {"pid": pid, "chunks": []}
        print(f"{name} joined (pid {pid})", flush=True)

    chunks = [(cid, a.n, 0x5EED0000 + cid) for cid in range(a.chunks)]
    todo.qsize()  # a proxy connects on its first call (40+ ms: Nagle, delayed ACK): not timed
    started = time.perf_counter()
    for chunk in chunks:
        todo.put(chunk)
    got = {}
    last_answer = started
    late = [proc for proc, fault in zip(procs, faults) if fault == "late"]
    continued = set()
    quiet_since = time.monotonic()
    while len(got) < a.chunks:
        quiet = time.monotonic() - quiet_since
        if late and quiet >= deadline:
            for proc in late:
                print(f"coordinator: no answer for {a.deadline_ms} ms: SIGCONT to the stopped "
                      f"worker {proc.name} (pid {proc.pid})", flush=True)
                os.kill(proc.pid, signal.SIGCONT)
                continued.add(proc.name)
            late = []
        if quiet >= 5 * deadline and joined:
            print(f"coordinator: no answer for {5 * a.deadline_ms} ms: giving up", flush=True)
            break
        wait = (deadline if late else 5 * deadline) - quiet
        try:
            message = done.get(timeout=max(0.01, wait))
        except queue.Empty:
            continue
        quiet_since = time.monotonic()
        if message[0] == "ready":  # a worker started by hand
            _, name, pid = message
            joined[name] = {"pid": pid, "chunks": []}
            print(f"{name} joined (pid {pid})", flush=True)
            continue
        _, cid, total, name = message
        got[cid] = total
        last_answer = time.perf_counter()
        who = joined.setdefault(name, {"pid": "?", "chunks": []})
        who["chunks"].append(f"{cid} (late)" if name in continued else str(cid))
    ended = time.perf_counter()
    wall = (last_answer if got else ended) - started

    # The end: one None per worker; the ones that do not take it are killed.
    for _ in joined:
        todo.put(None)
    grace = time.monotonic() + 0.5
    killed = 0
    for proc in procs:
        proc.join(max(0, grace - time.monotonic()))
        if proc.is_alive():
            proc.kill()
            proc.join()
            killed += 1
    for proc in procs:
        joined.setdefault(proc.name, {"pid": proc.pid, "chunks": []})["exit"] = proc.exitcode
    return {
        "joined": joined,
        "got": got,
        "missing": sorted(set(range(a.chunks)) - set(got)),
        "sequential": sum(sum_chunk(n, seed) for _, n, seed in chunks),
        "lost": sum(1 for proc in procs if proc.exitcode != 0),
        "killed": killed,
        "late": sum(1 for w in joined.values() for c in w["chunks"] if c.endswith("(late)")),
        "wall": wall,
        "waited": ended - last_answer,
    }


def conclusion(a, r):
    """The run in plain words."""
    said = []
    if r["missing"]:
        ids = ", ".join(map(str, r["missing"]))
        said.append(f"{len(r['missing'])} chunk(s) never came back ({ids}): the worker that took "
                    f"each died or stopped holding it, and the queue neither noticed nor gave it "
                    f"to anyone else; after {r['waited'] * 1e3:.0f} ms without an answer the "
                    f"coordinator gave up.")
    else:
        said.append("Every chunk came back.")
    if r["late"]:
        said.append(f"{r['late']} answer(s) came late, after SIGCONT, and count once: nobody had "
                    f"redone the chunk, and it is in the sum only because the stopped worker "
                    f"was woken.")
    if r["lost"]:
        said.append(f"{r['lost']} worker(s) lost ({r['killed']} stopped, killed here at the end).")
    said.append("Nothing was redone: the standard library's queue does not notice a lost worker; "
                "a task taken by a worker that dies is simply gone.")
    return " ".join(said)


def print_report(a, r):
    print("\n== who did what ==")
    for name, w in r["joined"].items():
        exit_code = w.get("exit", "by hand")
        print(f"{name:<5} pid {w['pid']:<7} exit {exit_code!s:<7} chunks {', '.join(w['chunks']) or 'none'}")
    total = sum(r["got"].values())
    correct = total == r["sequential"] and not r["missing"]
    ms = r["wall"] * 1e3
    print(f"\n{len(r['got'])} of {a.chunks} chunks summed by {len(r['joined'])} workers in {ms:.1f} ms: "
          f"{total}, {'equal to' if correct else 'NOT equal to'} the sum computed here one chunk "
          f"after another. {conclusion(a, r)}")
    print("== result ==")
    for k, v in [("chunks", a.chunks), ("workers", len(r["joined"])), ("sum", total),
                 ("sum_sequential", r["sequential"]), ("correct", str(correct).lower()),
                 ("redone", 0), ("workers_lost", r["lost"]), ("late_duplicates", 0),
                 ("killed", r["killed"]), ("wall_ms", f"{ms:.1f}"),
                 ("chunks_per_s", f"{len(r['got']) / r['wall']:.1f}" if r["wall"] > 0 else "0.0"),
                 ("missing", len(r["missing"]))]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("stopped by Ctrl-C: workers killed, nothing left behind")
