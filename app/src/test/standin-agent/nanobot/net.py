"""A tiny TCP request/response server on plain sockets, so every byte of the answers is ours.

One accept thread blocking in accept() and one short-lived thread per connection: nothing polls.
"""
import socket
import threading
import time

MAX_REQUEST = 8192


def _family(host):
    try:
        return socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror:
        return socket.AF_INET6 if ":" in host else socket.AF_INET


def read_head(conn):
    """Reads until the end of the request head, EOF, MAX_REQUEST bytes or the read timeout; None if nothing."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < MAX_REQUEST:
        try:
            chunk = conn.recv(4096)
        except (socket.timeout, OSError):
            break
        if not chunk:
            break
        data += chunk
    return data or None


class TcpServer:
    def __init__(self, host, port, respond, max_connections=64, read_timeout=2.0):
        """respond(head_bytes) -> bytes to send (then the connection is closed), or None to just close."""
        self.host = host
        self.port = port
        self.respond = respond
        self.read_timeout = read_timeout
        self.slots = threading.BoundedSemaphore(max_connections)
        self.closed = False
        self.sock = socket.socket(_family(host), socket.SOCK_STREAM)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind((host, port))
            self.sock.listen(128)
        except OSError:
            self.sock.close()
            raise
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._accept_loop, name=f"listener-{self.port}", daemon=True)

    def start(self):
        self.thread.start()
        return self

    def _accept_loop(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                if self.closed:
                    return
                time.sleep(0.05)  # e.g. out of file descriptors: do not spin
                continue
            if not self.slots.acquire(blocking=False):
                conn.close()  # more than max_connections at once: refused
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            conn.settimeout(self.read_timeout)
            head = read_head(conn)
            if head is None or b"\r\n" not in head:
                return  # timed out or closed before a request line: no answer
            answer = self.respond(head)
            if answer:
                conn.sendall(answer)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            finally:
                self.slots.release()

    def close(self):
        """Stops accepting: wakes the blocked accept() and closes the listening socket."""
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
