"""Subproceso por tuberías: a child program served over its stdin/stdout with pickle.

Twin of examples-processes/src/bin/subprocess_pipes.rs (same flags and keys).
Ports: notes 004, "subprocess, varios interpretes ... a traves de pipes
(hablar cpickle)". The child is this file again with --serve
(subprocess.Popen([sys.executable, __file__, "--serve"], stdin=PIPE,
stdout=PIPE)). A message is a frame, as in the Rust example: a 4-byte
length, then the pickled value (a pipe carries bytes, not messages; with a
length, one bad message cannot desynchronise the stream).
The malformed message: the Rust example sends the pickle that runs
`echo pwned`, which serde rejects as data. pickle.load would RUN it: never
unpickle what you did not write. So this twin sends truncated garbage
instead; the child answers an error and keeps serving (malformed_rejected).

Run: python3 python/processes/subprocess_pipes.py --n 1000000
"""
import argparse
import pickle
import random
import struct
import subprocess
import sys


def send_bytes(pipe, data):
    pipe.write(struct.pack("<I", len(data)) + data)
    pipe.flush()


def recv_bytes(pipe):
    head = pipe.read(4)
    if len(head) < 4:
        raise EOFError
    return pipe.read(struct.unpack("<I", head)[0])


def handle(op):
    kind, arg = op
    if kind == "sum":
        total = sum(arg)
        return ("ok", total) if total <= 2**63 - 1 else ("err", "overflow")
    if kind == "upper":
        return ("ok", arg.upper())
    if kind == "sum_random":
        n, seed = arg
        rng = random.Random(seed)
        return ("ok", sum([rng.randint(1, 100) for _ in range(n)]))
    return ("err", f"unknown op {kind!r}")


def serve():
    out = sys.stdout.buffer  # stdout IS the channel: logs go to stderr
    while True:
        try:
            frame = recv_bytes(sys.stdin.buffer)
        except EOFError:
            return
        try:
            rid, op = pickle.loads(frame)
        except Exception as e:  # a frame that is not a (id, op) pickle
            print(f"hijo: malformed message: {e!r}", file=sys.stderr)
            send_bytes(out, pickle.dumps((None, ("err", "malformed"))))
            continue
        send_bytes(out, pickle.dumps((rid, handle(op))))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.serve:
        return serve()
    child = subprocess.Popen([sys.executable, __file__, "--serve"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def ask(rid, op):
        send_bytes(child.stdin, pickle.dumps((rid, op)))
        reply = pickle.loads(recv_bytes(child.stdout))
        print(f"padre: request {rid} -> {reply}")
        return int(reply == (rid, handle(op)))  # computed here, not there

    ops = [("sum", list(range(1, 11))), ("upper", "hola, proceso hijo"),
           ("sum_random", (a.n, 0)), ("sum", [2**63 - 1, 1])]
    matched = sum(ask(rid, op) for rid, op in enumerate(ops, 1))
    send_bytes(child.stdin, b"\x80\x04garbage, not a pickle")  # well framed, bad inside
    reply = pickle.loads(recv_bytes(child.stdout))
    rejected = reply[0] is None and reply[1][0] == "err"
    matched += ask(5, ("upper", "¿sigues ahí?"))
    child.stdin.close()  # EOF on its stdin: how the child learns we are done
    code = child.wait(60)
    print(f"{matched} of 5 replies matched; the malformed message was rejected: {rejected}")
    print("== result ==")
    for k, v in [("matched", matched), ("expected", 5), ("malformed_rejected", str(rejected).lower()),
                 ("child_exit", f"exit code {code}")]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
