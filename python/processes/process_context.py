"""Each process has its own context: a value changed in a child is not seen by the parent.

Twin of examples-processes/src/bin/process_context.rs (same flags and keys).
Ports: notes 000, "Datos entre los procesos". A "fork" child starts from a
copy of the parent (it sees the value set at run time); a "spawn" child
imports the program again and sees the module's initial value (0). Each
child says what it saw through its exit code (0: as expected).

Run: python3 python/processes/process_context.py --value 10 --child-value 99
"""
import argparse
import multiprocessing
import sys

counter = 0  # the program's initial value: what a spawned child sees


def child(expect, new):
    global counter
    saw = counter
    counter = new  # changes the child's copy only
    sys.exit(0 if saw == expect else 1)


def main():
    global counter
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--value", type=int, default=10)
    p.add_argument("--child-value", type=int, default=99)
    a = p.parse_args()
    counter = a.value
    before = counter
    exits = {}
    after = {}
    for method, expect in [("fork", a.value), ("spawn", 0)]:
        ctx = multiprocessing.get_context(method)
        c = ctx.Process(target=child, args=(expect, a.child_value))
        c.start()
        c.join(60)
        exits[method] = c.exitcode
        after[method] = counter
    print(f"both children set counter = {a.child_value}; the parent's is still {counter}")
    print("== result ==")
    for k, v in [("parent_before", before), ("parent_after_fork", after["fork"]),
                 ("parent_after_spawn", after["spawn"]), ("child_value", a.child_value),
                 ("fork_child_saw_copy", str(exits["fork"] == 0).lower()),
                 ("spawn_child_saw_initial", str(exits["spawn"] == 0).lower())]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
