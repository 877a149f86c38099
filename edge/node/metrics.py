"""Prometheus metrics of one node, read from the node's own counters when Prometheus scrapes.

Nothing is counted twice: the collector turns `NodeStats`, the cache store and the function
meters into metric families at scrape time, so a request pays nothing for being measured.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from edge.node.context import UPSTREAM_BUCKETS_MS, NodeContext

__all__ = ["CONTENT_TYPE", "node_metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class NodeCollector(Collector):
    def __init__(self, ctx: NodeContext) -> None:
        self._ctx = ctx

    def collect(self) -> Iterator[Metric]:
        ctx = self._ctx
        node = [ctx.node.id, ctx.node.kind]
        labels = ["node", "kind"]
        stats = ctx.stats
        requests = CounterMetricFamily(
            "edgesim_requests", "Viewer requests answered, by x-edge-result-type",
            labels=[*labels, "result_type"])
        for result, count in sorted(stats.results.items()):
            requests.add_metric([*node, result], count)
        yield requests
        yield _counter("edgesim_sent_bytes", "Bytes sent to viewers", labels, node,
                       stats.bytes_sent)
        yield _counter("edgesim_upstream_requests", "Requests sent to the next tier or origin",
                       labels, node, stats.upstream_requests)

        buckets, running = [], 0
        for bound, count in zip((*UPSTREAM_BUCKETS_MS, float("inf")), stats.upstream_counts,
                                strict=True):
            running += count
            buckets.append(("+Inf" if bound == float("inf") else str(bound / 1000), running))
        latency = HistogramMetricFamily(
            "edgesim_upstream_first_byte_seconds",
            "Time to the first byte of the next tier's or origin's response", labels=labels)
        latency.add_metric(node, buckets, stats.upstream_ms_total / 1000)
        yield latency

        store = ctx.store
        yield _gauge("edgesim_cache_objects", "Objects in the cache", labels, node, store.count)
        yield _gauge("edgesim_cache_bytes", "Bytes the cache holds", labels, node,
                     store.size_bytes)
        yield _gauge("edgesim_cache_max_bytes", "The cache's size", labels, node, store.max_bytes)
        yield _counter("edgesim_cache_evictions", "Objects evicted to make room", labels, node,
                       store.evictions)

        readings = ctx.functions.readings()
        fn_labels = [*labels, "function", "event_type"]
        invocations = CounterMetricFamily(
            "edgesim_function_invocations", "Edge-function invocations", labels=fn_labels)
        errors = CounterMetricFamily(
            "edgesim_function_errors", "Edge-function failures, by CloudFront's name",
            labels=[*fn_labels, "error"])
        cold = CounterMetricFamily(
            "edgesim_function_cold_starts", "Invocations that started an environment",
            labels=fn_labels)
        duration = GaugeMetricFamily(
            "edgesim_function_duration_seconds", "Invocation duration percentiles",
            labels=[*fn_labels, "quantile"])
        billed = CounterMetricFamily(
            "edgesim_function_billed_seconds", "Billed duration (1 ms granularity)",
            labels=fn_labels)
        gb_seconds = CounterMetricFamily(
            "edgesim_function_gb_seconds", "Billed duration times memory size, in GB-seconds",
            labels=fn_labels)
        for name, reading in sorted(readings.items()):
            values = [*node, name, str(reading["event_type"])]
            invocations.add_metric(values, reading["invocations"])
            cold.add_metric(values, reading["cold_starts"])
            for error, count in sorted(reading["errors"].items()):
                errors.add_metric([*values, error], count)
            for quantile, key in (("0.5", "duration_p50_ms"), ("0.9", "duration_p90_ms"),
                                  ("0.99", "duration_p99_ms"), ("1", "duration_max_ms")):
                duration.add_metric([*values, quantile], reading[key] / 1000)
            billed.add_metric(values, reading["billed_duration_ms"] / 1000)
            gb_seconds.add_metric(values, reading["gb_seconds"])
        yield from (invocations, errors, cold, duration, billed, gb_seconds)


def _counter(
    name: str, documentation: str, labels: list[str], values: list[str], value: float
) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation, labels=labels)
    family.add_metric(values, value)
    return family


def _gauge(
    name: str, documentation: str, labels: list[str], values: list[str], value: float
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    family.add_metric(values, value)
    return family


def node_metrics(ctx: NodeContext) -> bytes:
    """The node's metrics in Prometheus' text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(NodeCollector(ctx))
    return generate_latest(registry)
