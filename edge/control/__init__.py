"""The control plane: one process beside the nodes, serving the dashboard and the admin API for
the whole network (stats, recent requests, invalidations, cache inspection, function meters and
logs, config reload, load progress). It talks to each node only through the node's admin port.
"""
