"""Listening sockets shared by the HTTP and SMTP front-ends (and by worker processes)."""

from __future__ import annotations

import ipaddress
import socket


def bind_socket(host: str, port: int, listen: bool = True) -> socket.socket:
    """A TCP socket on host:port. SO_REUSEPORT lets worker processes share the port (the kernel spreads
    connections over the listening ones); a socket bound without listening just reserves the port."""
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets of that proto
    sock = socket.socket(
        socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
    )
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, "SO_REUSEPORT"):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    if listen:
        sock.listen(1024)
    sock.setblocking(False)
    return sock


def is_loopback(name: str) -> bool:
    """A loopback name or address: `localhost`, `*.localhost` (RFC 6761), 127.0.0.0/8, ::1."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
