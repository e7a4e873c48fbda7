"""Hola desde un proceso hijo: start a child process by "spawn" and by "fork".

Twin of examples-processes/src/bin/process_hello.rs (same flags and keys).
Ports: notes 002, "Procesos" ("Multi-procesos"); 003, "Process". The notes'
code, once per start method (multiprocessing.get_context("spawn"/"fork")).
Each child reports its pid and parent pid through a Queue.

Run: python3 python/processes/process_hello.py --method fork
"""
import argparse
import multiprocessing
import os


def hello_from_process(report):
    print(f"Hola desde el proceso hijo {os.getpid()}", flush=True)
    report.put((os.getpid(), os.getppid()))


def hello(method):
    ctx = multiprocessing.get_context(method)
    report = ctx.Queue()
    p = ctx.Process(target=hello_from_process, args=(report,))
    p.start()
    print(f"Hola desde el proceso padre {os.getpid()} ({method})", flush=True)
    pid, ppid = report.get(timeout=60)
    p.join(60)
    return pid, ppid, f"exit code {p.exitcode}"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--method", choices=["spawn", "fork", "both"], default="both")
    a = p.parse_args()
    pairs = [("parent_pid", os.getpid())]
    for method in ["fork", "spawn"]:
        if a.method in (method, "both"):
            pid, ppid, exit_ = hello(method)
            pairs += [(f"{method}_child_pid", pid), (f"{method}_child_ppid", ppid),
                      (f"{method}_exit", exit_)]
    print("== result ==")
    for k, v in pairs:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
