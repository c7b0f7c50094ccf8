"""The client's address: REMOTE_ADDR, unless that is a trusted proxy (settings.TRUSTED_PROXIES).

Behind the TLS proxy every request comes from the proxy, and X-Forwarded-For says whom it
came from; but a client can send that header too. So the header is read only when the
connection comes from a trusted proxy, and then from the right: each trusted hop appended the
address it saw, and the right-most address that is not a trusted proxy is the client. What
the client wrote to the left of it is ignored, so a forged header chooses nothing (no other
user's lockout, no other address's rate limit). Used by the rate limits, django-axes and the
audit trail.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in trusted)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_trusted_proxy(address, networks=None) -> bool:
    networks = _networks(tuple(settings.TRUSTED_PROXIES)) if networks is None else networks
    return address is not None and any(address in network for network in networks)


def client_ip(request) -> str:
    """The address the rate limits, lockouts and audit trail attribute this request to ("" if
    the connection has none that parses)."""
    meta = request.META
    remote = meta.get("REMOTE_ADDR", "") or ""
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    nearest = _address(remote)
    if not networks or not is_trusted_proxy(nearest, networks):
        return str(nearest) if nearest is not None else ""
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = _address(entry)
        if address is None:
            break  # not written by a proxy we trust: stop at the last hop we could read
        nearest = address
        if not is_trusted_proxy(address, networks):
            break
    return str(nearest)
