"""A viewer-request handler that deletes the read-only `host` from its own event in place."""

def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    del request["headers"]["host"]
    request["clientIp"] = "198.51.100.1"
    return {"uri": request["uri"], "headers": request["headers"]}
