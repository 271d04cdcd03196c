"""A small SMTP server for tests with a real worker: the outside world, faked at the socket.

A message counts as delivered only when the server has answered 250 to its DATA, as with a
real server. `hold()` makes the server keep the client waiting after DATA (the worker is then
inside its send, holding its claim); if the client disappears meanwhile (the worker was
killed), the message is dropped, as a real server would drop it.
"""

from __future__ import annotations

import select
import socket
import socketserver
import threading
from email import message_from_bytes


class _Handler(socketserver.StreamRequestHandler):
    timeout = 60

    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self):
        server: FakeSMTPServer = self.server.owner  # type: ignore[attr-defined]
        self._reply("220 fake.invalid ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode(errors="replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250 fake.invalid")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                data = bytearray()
                while True:
                    chunk = self.rfile.readline()
                    if not chunk:
                        return
                    if chunk in (b".\r\n", b".\n"):
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                server.data_received.set()
                if not server.wait_for_release(self.connection):
                    return  # the client went away while held: not delivered
                server.accept(bytes(data))
                self._reply("250 OK queued")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class FakeSMTPServer:
    def __init__(self):
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.port = self._server.server_address[1]
        self.messages = []
        self.data_received = threading.Event()
        self._released = threading.Event()
        self._released.set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def hold(self) -> None:
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def wait_for_release(self, connection: socket.socket) -> bool:
        """Waits until released; False if the client closed the connection first."""
        while not self._released.wait(0.05):
            readable, _, _ = select.select([connection], [], [], 0)
            if readable:
                try:
                    if connection.recv(1, socket.MSG_PEEK) == b"":
                        return False
                except OSError:
                    return False
        return True

    def accept(self, data: bytes) -> None:
        with self._lock:
            self.messages.append(message_from_bytes(data))
