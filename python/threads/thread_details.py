"""Detalles del hilo: process id, live thread count, the current thread's name and ids.

Twin of examples-threads/src/bin/thread_details.rs (same flags and keys).
Ports: notes 002, "Hilos" ("Detalles del Hilo"): os.getpid(),
threading.active_count(), threading.current_thread().name. The "id de hilo"
the notes print is os.getpid(), the process id; a thread's kernel id is
threading.get_native_id() (equal to the pid only for the main thread, on Linux).

Run: python3 python/threads/thread_details.py --name segundo-hilo
"""
import argparse
import os
import threading


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--name", default="segundo-hilo")
    a = p.parse_args()
    before = threading.active_count()
    inside, go = {}, threading.Event()

    def hilo():
        inside["tid"] = threading.get_native_id()
        go.wait(30)

    t = threading.Thread(target=hilo, name=a.name)
    t.start()
    during = threading.active_count()
    go.set()
    t.join()
    after = threading.active_count()
    print(f"pid {os.getpid()}, {during} threads while {a.name} lived, "
          f"current thread {threading.current_thread().name}")
    print("== result ==")
    for k, v in [("pid", os.getpid()), ("main_tid", threading.get_native_id()),
                 ("hilo_tid", inside["tid"]), ("current_name", threading.current_thread().name),  # "MainThread"; Rust: "main"
                 ("threads_before", before), ("threads_during", during), ("threads_after", after)]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
