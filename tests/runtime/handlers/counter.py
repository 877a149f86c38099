"""Module-level state: survives warm invocations of one environment, as on Lambda."""

count = 0


def handler(event, context):
    global count
    count += 1
    return {"status": "200", "body": str(count)}
