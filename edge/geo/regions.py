"""The AWS Regions Lambda@Edge runs in, and the one nearest a place.

Lambda@Edge runs its replicas in the Regions that host CloudFront's regional edge caches
(spec §0), and a function there sees that Region as `AWS_REGION` and logs to CloudWatch in it.
The CloudFront Developer Guide (March 2023, as the spec) names these Regions where it lists the
ones that offer Origin Shield, "in AWS Regions where CloudFront has a regional edge cache":
twelve, the "roughly a dozen" of spec §4.4. Other Regions (N. California, Canada, Paris,
Stockholm, ...) have none; the guide sends their origins' Origin Shield to a neighbour, as
`nearest_region` sends a place near them.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.geo.distance import LatLon, haversine_km

__all__ = ["LAMBDA_EDGE_REGIONS", "AwsRegion", "nearest_region"]


@dataclass(frozen=True, slots=True)
class AwsRegion:
    """A Region by its code, placed at the metro area of its data centres."""

    code: str  # "eu-central-1"
    name: str  # "Europe (Frankfurt)"
    latitude: float
    longitude: float


# In the guide's order, which breaks ties. Where the default world has a regional cache, its
# coordinates; elsewhere the city centre's.
LAMBDA_EDGE_REGIONS: tuple[AwsRegion, ...] = (
    AwsRegion("us-east-2", "US East (Ohio)", 39.96, -83.0),  # Columbus
    AwsRegion("us-east-1", "US East (N. Virginia)", 39.04, -77.49),  # Ashburn
    AwsRegion("us-west-2", "US West (Oregon)", 45.84, -119.7),  # Boardman
    AwsRegion("ap-south-1", "Asia Pacific (Mumbai)", 19.08, 72.88),
    AwsRegion("ap-northeast-2", "Asia Pacific (Seoul)", 37.57, 126.98),
    AwsRegion("ap-southeast-1", "Asia Pacific (Singapore)", 1.29, 103.85),
    AwsRegion("ap-southeast-2", "Asia Pacific (Sydney)", -33.87, 151.21),
    AwsRegion("ap-northeast-1", "Asia Pacific (Tokyo)", 35.68, 139.69),
    AwsRegion("eu-central-1", "Europe (Frankfurt)", 50.11, 8.68),
    AwsRegion("eu-west-1", "Europe (Ireland)", 53.35, -6.26),  # Dublin
    AwsRegion("eu-west-2", "Europe (London)", 51.51, -0.13),
    AwsRegion("sa-east-1", "South America (São Paulo)", -23.55, -46.63),
)


def nearest_region(location: LatLon) -> AwsRegion:
    """The Region closest over the Earth's surface: the simulated world measures every link by
    distance, so this is also the Region its latency model reaches first."""
    return min(LAMBDA_EDGE_REGIONS,
               key=lambda region: haversine_km(location, (region.latitude, region.longitude)))
