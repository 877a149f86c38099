"""Which AWS Region a node's edge functions run in: what they see as `AWS_REGION`.

Spec §0: Lambda@Edge runs viewer triggers in the Region nearest the edge location, and origin
triggers in the Region of the regional edge cache the request goes through (or of the Origin
Shield, which in edgesim is the regional cache that contacts the origin, so its own). A PoP
behind a regional cache in another Region (London behind Frankfurt in the default world) so runs
its two kinds of trigger in two Regions.
"""

from __future__ import annotations

from edge.config.model import Config, Node
from edge.geo.regions import nearest_region
from edge.runtime.events import EventType

__all__ = ["lambda_region"]


def lambda_region(config: Config, node: Node, event_type: EventType) -> str:
    """The Region code (`"eu-west-2"`) of `event_type`'s functions on `node`.

    Origin triggers on a PoP (its dynamic requests, and its misses when it has no regional
    cache) run in its regional cache's Region, else in the Region nearest the PoP.
    """
    if not event_type.is_viewer and node.parent is not None:
        node = config.nodes[node.parent]
    return nearest_region((node.latitude, node.longitude)).code
