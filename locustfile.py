"""Locust's entry point for edgesim: geo-tagged viewers against a running edge network.

    locust --headless -u 200 -r 20 -t 5m                  # the local world's front door
    locust --headless -u 200 -r 20 -t 5m --city Tokyo --direct
    locust --master --expect-workers 4 ... / locust --worker --master-host HOST

The viewers, their options (--population, --city, --alpha, --workload, --think-min,
--think-max, --direct, --edge-config, --stats-by) and what they send are in
edge/load/locust_user.py; `locust --help` lists the options too.
"""

from edge.load.locust_user import EdgeViewer

__all__ = ["EdgeViewer"]
