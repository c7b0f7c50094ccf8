"""Where a webhook may go: public addresses only, judged once and then used for the connection.

An IPv6 address can carry an IPv4 address inside it (mapped, compatible, NAT64, 6to4,
Teredo), and `ipaddress.is_global` judges only the wrapper: `64:ff9b::7f00:1` is NAT64 for
127.0.0.1 and counts as global. So every embedded IPv4 address is unwrapped and judged too.

A delivery resolves the receiver's name once (`resolve`), judges every address, and connects
to a judged address while TLS still verifies the certificate against the name: a DNS answer
that changes between the check and the connection (rebinding) cannot move the request.
"""

import http.client
import ipaddress
import socket
import ssl
import time

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Not on the internet, whatever ipaddress.is_global says in this Python version (RFC 6890 and
# its successors). Checked in addition to is_global, never instead of it.
DENIED_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
    "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64", "2001::/23",
    "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
))
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
LOW_32_BITS = 0xFFFFFFFF


def embedded_ipv4(address: Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries: IPv4-mapped (::ffff:a.b.c.d),
    IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d), 6to4 (2002:AABB:CCDD::), and
    Teredo (server in bits 32-63, client as the bitwise NOT of the last 32 bits). The
    local-use NAT64 prefix 64:ff9b:1::/48 is refused as a whole (DENIED_NETWORKS)."""
    if address.version != 6:
        return []
    found = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address in IPV4_COMPATIBLE or address in NAT64:
        found.append(ipaddress.IPv4Address(int(address) & LOW_32_BITS))
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)  # (server, client); ipaddress un-NOTs the client
    return found


def is_public(address: Address) -> bool:
    """Public only if the address and every IPv4 address inside it are public."""
    if not address.is_global or any(
            address.version == net.version and address in net for net in DENIED_NETWORKS):
        return False
    return all(is_public(inner) for inner in embedded_ipv4(address))


def literal_address(hostname: str) -> Address | None:
    """The IP address a URL's host names literally (brackets and a zone id allowed)."""
    try:
        return ipaddress.ip_address(hostname.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def resolve(host: str, port: int) -> list[Address]:
    """Every address the name resolves to, in the resolver's order. Called once per delivery:
    what it answers is what is judged and what is connected to."""
    addresses = []
    for *_rest, sockaddr in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP):
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def require_public(addresses: list[Address]) -> None:
    if not addresses:
        raise ValidationError(_("The URL's host has no address."))
    if not all(is_public(address) for address in addresses):
        raise ValidationError(_("The URL's host resolves to an internal address."))


def remaining(deadline: float) -> float:
    """Seconds left until `deadline` (time.monotonic()); TimeoutError when none are."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the attempt's time is up")
    return left


def _connect(addresses: list[Address], port: int, deadline: float) -> socket.socket:
    """A TCP connection to the first of the judged addresses that answers; no resolving."""
    error: OSError | None = None
    for address in addresses:
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(remaining(deadline))
            sock.connect((str(address), port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError("no address to connect to")


class PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to the given addresses; the Host header still names the URL's host. Connecting
    (TLS included) ends by `deadline` (time.monotonic()), however many addresses it tries."""

    def __init__(self, host: str, port: int, *, addresses: list[Address], deadline: float):
        super().__init__(host, port, timeout=remaining(deadline))
        self.addresses = addresses
        self.deadline = deadline

    def connect(self) -> None:
        self.sock = _connect(self.addresses, self.port, self.deadline)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the given addresses; SNI and certificate verification use the URL's host."""

    def __init__(self, host: str, port: int, *, addresses: list[Address], deadline: float,
                 context: ssl.SSLContext | None = None):
        super().__init__(host, port, timeout=remaining(deadline),
                         context=context or ssl.create_default_context())
        self.addresses = addresses
        self.deadline = deadline

    def connect(self) -> None:
        sock = _connect(self.addresses, self.port, self.deadline)
        try:
            sock.settimeout(remaining(self.deadline))  # the handshake
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
