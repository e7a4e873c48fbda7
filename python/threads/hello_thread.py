"""Hola desde un hilo: start a thread, main keeps going, join waits for it.

Twin of examples-threads/src/bin/hello_thread.rs (same flags and keys).
Ports: notes 002, "Hilos" ("Multi-Hilos"); 001; 003, "HILOS". A Thread's
return value is lost in Python, so the worker returns it through a list.

Run: python3 python/threads/hello_thread.py --steps 5 --pause-ms 200
"""
import argparse
import threading
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--pause-ms", type=int, default=200)
    a = p.parse_args()
    done, returned = [0], []

    def worker():
        for step in range(1, a.steps + 1):
            print(f"{threading.current_thread().name}: Hilo en ejecución ({step} of {a.steps})")
            done[0] = step
            time.sleep(a.pause_ms / 1000)
        returned.append(done[0])

    t = threading.Thread(target=worker, name="trabajador")
    t.start()  # the hilo starts running worker()
    print("Hilo principal sigue")
    t.join()  # wait for it to finish
    print(f"main: after join, the worker has done {done[0]} steps")
    print("== result ==")
    for k, v in [("steps", a.steps), ("steps_done_after_join", done[0]), ("returned", returned[0])]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
