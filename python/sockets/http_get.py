"""What an HTTP GET is on the wire, by hand over a socket: request line, headers,
status, a Content-Length body and a chunked one; the same GET on asyncio.

Twin of examples-sockets/src/bin/http_get.rs (its flags --delay-ms,
--timeout-secs; its keys). Ports: notes 002 (`requests.get(url)`): `requests`
is not in the standard library and hides the bytes; here they are written and
parsed by hand (urllib.request would do it for you). Local servers answer: a
slow one (http.server, after --delay-ms) and a one-shot chunked responder.

Run: python3 python/sockets/http_get.py --delay-ms 100
"""
import argparse
import asyncio
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = b"hola desde el servidor lento\n"
CHUNKED = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
           b"Connection: close\r\n\r\n5\r\nhola \r\n6\r\ndesde \r\n11\r\nun cuerpo chunked\r\n0\r\n\r\n")


def request(host, port, path):
    return f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode()


def parse(raw):
    """(status, body, framing, chunk sizes) of a whole response."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])  # "HTTP/1.1 200 OK"
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    if headers.get("transfer-encoding") == "chunked":
        body, sizes = b"", []
        while True:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line, 16)  # sizes are hexadecimal: 11 is 17 bytes
            sizes.append(size)
            if size == 0:
                return status, body, "chunked", sizes
            body, rest = body + rest[:size], rest[size + 2:]
    length = int(headers["content-length"])
    return status, rest[:length], ("content-length", length), []


def get_blocking(host, port, path, timeout):
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(request(host, port, path))
        raw = b""
        while data := s.recv(4096):  # until the server closes (Connection: close)
            raw += data
    return raw


async def get_async(host, port, path):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(request(host, port, path))
    await writer.drain()
    raw = await reader.read()
    writer.close()
    await writer.wait_closed()
    return raw


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--delay-ms", type=int, default=100)
    p.add_argument("--timeout-secs", type=int, default=10)
    a = p.parse_args()

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(a.delay_ms / 1000)
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address
    raw = get_blocking(host, port, "/", a.timeout_secs)
    print(raw.decode("latin-1"))
    status, body, framing, _ = parse(raw)
    async_same = parse(asyncio.run(get_async(host, port, "/")))[1] == body
    server.shutdown()

    listener = socket.create_server(("127.0.0.1", 0))

    def chunked_responder():
        conn, _ = listener.accept()
        with conn:
            f = conn.makefile("rb")
            while f.readline() not in (b"\r\n", b""):  # read the whole request: closing with
                pass  # unread bytes would send a reset, not an end of stream
            conn.sendall(CHUNKED)

    t = threading.Thread(target=chunked_responder)
    t.start()
    _, chunked, _, sizes = parse(get_blocking(*listener.getsockname(), "/chunked", a.timeout_secs))
    t.join()
    listener.close()
    print("== result ==")
    for k, v in [("status", status), ("body_bytes", len(body)),
                 ("content_length_ok", str(framing == ("content-length", len(body))).lower()),
                 ("async_same", str(async_same).lower()), ("chunked_body", chunked.decode()),
                 ("chunks", len(sizes))]:
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
