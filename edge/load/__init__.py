"""Load tests with geo-tagged viewers, the parts that decide and count: who the viewers are
(`population`), what they ask for (`workload`), when (`arrivals`), what came back (`stats`) and
what the same traffic would cost on CloudFront (`cost`).

Pure code: nothing here opens a socket or reads a clock, and every random draw comes from the
`random.Random` passed in, so a run's plan can be replayed from its seed. Import the modules
themselves.
"""
