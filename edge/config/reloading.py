"""What a config reload may change while the network runs.

A node switches to a new config between requests, but what `edgesim up` started (which nodes
run, where each listens, what each fetches through, where logs go, what the front door and the
control plane were given) changes only with a restart. The control plane (before asking any
node) and each node (before switching) refuse a config that changes one of those, and say what.
"""

from __future__ import annotations

from dataclasses import fields

from edge.config.model import Config, ControlPlane, FrontDoor, Node, OriginServer

__all__ = ["topology_changes"]


def topology_changes(old: Config, new: Config) -> list[str]:
    """What `new` changes that needs a restart, one line each ("IAD89-C1.port: 8101 -> 8102");
    empty when every node can switch to `new` as it runs.

    The front door reads `trusted_proxies` and `geolite2` once at start, and every node's cache
    is sized when it starts, so those count too; `control_plane.watch_config` does not (the
    control plane applies it itself).
    """
    changes = [f"{name}: {a!r} -> {b!r}" for name, a, b in (
        ("host", old.host, new.host),
        ("log_dir", old.log_dir, new.log_dir),
        ("trusted_proxies", _networks(old), _networks(new)),
        ("geolite2", old.geolite2, new.geolite2),
    ) if a != b]
    added = [node_id for node_id in new.nodes if node_id not in old.nodes]
    removed = [node_id for node_id in old.nodes if node_id not in new.nodes]
    if added:
        changes.append(f"nodes added: {', '.join(added)}")
    if removed:
        changes.append(f"nodes removed: {', '.join(removed)}")
    for node_id, node in old.nodes.items():
        if node_id in new.nodes:
            changes += _node_changes(node, new.nodes[node_id])
    for name, a, b in (
        ("front_door", old.front_door, new.front_door),
        ("origin_server", old.origin_server, new.origin_server),
        ("control_plane", _port_only(old.control_plane), _port_only(new.control_plane)),
    ):
        if a != b:
            changes.append(f"{name}: {_section(a)} -> {_section(b)}")
    return changes


def _node_changes(old: Node, new: Node) -> list[str]:
    return [f"{old.id}.{f.name}: {getattr(old, f.name)!r} -> {getattr(new, f.name)!r}"
            for f in fields(Node) if getattr(old, f.name) != getattr(new, f.name)]


def _networks(config: Config) -> list[str]:
    return [str(network) for network in config.trusted_proxies]


def _port_only(control_plane: ControlPlane | None) -> int | None:
    return None if control_plane is None else control_plane.port


def _section(value: FrontDoor | OriginServer | int | None) -> str:
    if value is None:
        return "none"
    port = value if isinstance(value, int) else value.port
    return f"port {port}"
