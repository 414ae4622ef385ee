"""Where a host is: this machine, a private network, or the public internet."""

from __future__ import annotations

import ipaddress

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "",
                         # the machine a container runs on, by the name Docker and Podman give it
                         "host.docker.internal", "gateway.docker.internal", "host.containers.internal",
                         "172.17.0.1"})  # (Docker's default bridge gateway: the host, seen from a container)
INTERNAL_TLDS = (".internal", ".local", ".lan", ".corp", ".intranet", ".svc", ".cluster.local", ".home", ".private")
"""Suffixes of names that only a private network resolves."""


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def internal_host(host: str) -> bool:
    """This machine, a private address, a private network's name (`db.corp`, `api.svc`) or a
    single label (`redis`: a compose or cluster service): not a site on the internet."""
    if host in LOCAL_HOSTS:
        return True
    if is_ip(host):
        return ipaddress.ip_address(host).is_private
    return host.endswith(INTERNAL_TLDS) or "." not in host
