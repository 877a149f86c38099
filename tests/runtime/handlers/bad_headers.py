def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["x-foo"] = "bar"
    return request
