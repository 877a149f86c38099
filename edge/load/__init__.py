"""Load tests with geo-tagged viewers (`edgesim load`).

The parts that decide and count are pure: who the viewers are (`population`), what they ask
for (`workload`), when (`arrivals`), what came back (`stats`) and what the same traffic would
cost on CloudFront (`cost`); none opens a socket or reads a clock, and every random draw comes
from the `random.Random` passed in, so a run's plan can be replayed from its seed. On them sit
the runner (`runner`, `counters`, `command`), the reports (`report`, `html_report`, `compare`)
and the Locust integration (`locust_user`, which needs Locust). Import the modules themselves.
"""
