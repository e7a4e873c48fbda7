"""The notes' buzón: letters (UDP datagrams) posted to named boxes, then what UDP loses and TCP keeps.

Twin of examples-sockets/src/bin/mailbox.rs (same flags and keys).
Ports: notes 002 "Ejemplo del Buzón de Correo" ("introducir una carta en el
buzón equivale a escribir los bytes en un socket"). Letters go round-robin to
the boxes ana, beto, carla; each owner reads its box until a quiet moment (a
datagram socket has no end of stream). Then --burst letters into one small box
nobody reads (SO_RCVBUF 4096): the kernel drops what does not fit, silently.
The same letters as length-prefixed frames on one TCP stream: all arrive, in order.

Run: python3 python/sockets/mailbox.py --letters 30
"""
import argparse
import socket
import struct
import threading

BOXES = ["ana", "beto", "carla"]


def read_box(box, quiet=0.2):
    box.settimeout(quiet)
    got = []
    try:
        while True:
            data, _ = box.recvfrom(2048)  # a whole letter or nothing
            got.append(data.decode())
    except socket.timeout:
        return got


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--letters", type=int, default=30)
    p.add_argument("--burst", type=int, default=1000)
    a = p.parse_args()
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    boxes = {}
    for name in BOXES:
        boxes[name] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        boxes[name].bind(("127.0.0.1", 0))
    for seq in range(a.letters):
        to = BOXES[seq % len(BOXES)]
        sender.sendto(f"{to} {seq}".encode(), boxes[to].getsockname())
    delivered = misdelivered = 0
    for name, box in boxes.items():
        for letter in read_box(box):
            delivered += 1
            misdelivered += letter.split()[0] != name

    small = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    small.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    small.bind(("127.0.0.1", 0))
    for seq in range(a.burst):
        sender.sendto(f"{seq:08}".encode() * 8, small.getsockname())
    burst = [int(x[:8]) for x in read_box(small)]
    out_of_order = sum(1 for x, y in zip(burst, burst[1:]) if y < x)

    listener = socket.create_server(("127.0.0.1", 0))

    def post():
        with socket.create_connection(listener.getsockname()) as s:
            for seq in range(a.burst):
                data = f"{seq:08}".encode() * 8
                s.sendall(struct.pack("<I", len(data)) + data)  # a full receiver makes us wait

    t = threading.Thread(target=post)
    t.start()
    conn, _ = listener.accept()
    stream, tcp = conn.makefile("rb"), []
    while head := stream.read(4):
        tcp.append(int(stream.read(struct.unpack("<I", head)[0])[:8]))
    t.join()
    print(f"{delivered} of {a.letters} letters delivered; burst: {len(burst)} of {a.burst} kept "
          f"over UDP, {len(tcp)} over TCP")
    print("== result ==")
    for k, v in [("letters", a.letters), ("delivered", delivered), ("misdelivered", misdelivered),
                 ("udp_burst", a.burst), ("udp_lost", a.burst - len(burst)),
                 ("udp_out_of_order", out_of_order), ("tcp_delivered", len(tcp)),
                 ("in_order", str(tcp == list(range(a.burst))).lower())]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
