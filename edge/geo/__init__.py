"""The simulated world: where viewers are, how far apart things are, what CloudFront tells
about a viewer. Pure code; the node decides when to use it."""
