"""Daemon threads: daemon=True is not joined at exit; a normal thread is.

Twin of examples-threads/src/bin/daemon_thread.rs (same flags and keys).
Ports: notes 001 (`t.daemon = True`). The notes say a daemon thread dies when
the main thread ends; in fact CPython's shutdown first joins every
non-daemon thread, and the daemon runs until then (here: while main joins
the normal worker), then is stopped wherever it is.

Run: python3 python/threads/daemon_thread.py --steps 5 --pause-ms 200
"""
import argparse
import sys
import threading
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--pause-ms", type=int, default=200)
    a = p.parse_args()
    pause, daemon_steps = a.pause_ms / 1000, a.steps * 10
    state = {"detached": 0, "detached_finished": False, "joined": 0, "joined_finished": False}

    # One write() per line: print() writes the text and the newline apart,
    # and the daemon's line could land between main's result lines.
    def say(text):
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def worker(label, steps):
        for step in range(1, steps + 1):
            say(f"{label} worker: step {step} of {steps}")
            state[label] = step
            time.sleep(pause)
        state[f"{label}_finished"] = True

    d = threading.Thread(target=worker, args=("detached", daemon_steps), daemon=True)
    d.start()
    t = threading.Thread(target=worker, args=("joined", a.steps))
    t.start()
    t.join()
    at_exit = state["detached"]
    say(f"main: joined; the daemon thread is at step {at_exit} of {daemon_steps}; exiting")
    block = "".join(f"{k}: {v}\n" for k, v in [
        ("joined_steps", state["joined"]),
        ("joined_finished", str(state["joined_finished"]).lower()),
        ("detached_wanted", daemon_steps), ("detached_steps_at_exit", at_exit),
        ("detached_finished", str(state["detached_finished"]).lower())])
    say("== result ==\n" + block.rstrip("\n"))  # one write: the daemon may still print


if __name__ == "__main__":
    main()
