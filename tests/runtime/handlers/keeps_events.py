"""Keeps every event it gets and answers how many distinct ones, and how many it changed."""

seen = []

def handler(event, context):
    seen.append(event)
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["x-seen"] = [{"key": "X-Seen", "value": str(len(seen))}]
    return {"status": "200", "body": str(len({id(e) for e in seen})) + " " +
            str([e["Records"][0]["cf"]["request"]["headers"].get("x-seen") is not None
                 for e in seen].count(True))}
