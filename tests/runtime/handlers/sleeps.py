import time


def handler(event, context):
    time.sleep(float(event["Records"][0]["cf"]["request"]["querystring"] or "60"))
    return event["Records"][0]["cf"]["request"]
