"""Edge functions: Lambda@Edge-compatible Python handlers at the four trigger points.

The package knows nothing of caching or of the node: it builds CloudFront events, runs handlers
in execution environments (worker processes, or in-process for trusted code), checks what they
return against CloudFront's rules, and logs and meters each invocation. Import the modules
themselves; this file stays empty so that a worker process starts without loading asyncio.
"""
