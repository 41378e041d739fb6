"""Loopback ports for servers the tests start, reserved by the OS for as long as the test needs them.

`held_port()` binds a socket to a free port and keeps it bound (never listening) until the block ends. While it is
held, no other socket on this machine can take that port: another process's `bind(0)` or outgoing connection skips
it, and a plain `bind()` to it fails. The server the port is handed to still gets it: Gradio (uvicorn, via asyncio
or uvloop) and nginx set SO_REUSEADDR on their listening sockets, and Linux lets such a socket share a port with a
bound socket that does not listen. This closes the window of bind, close and reuse, where another xdist worker's
server or client could take the port between the test choosing it and the server binding it; and a replica
killed and restarted gets the same port back.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def held_port() -> Iterator[int]:
    """A free loopback port, kept reserved (bound, not listening) until the block ends."""
    holder = socket.socket()
    try:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", 0))
        yield int(holder.getsockname()[1])
    finally:
        holder.close()
