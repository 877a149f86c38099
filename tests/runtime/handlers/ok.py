"""Adds a header and continues; answers /generated itself."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"] == "/generated":
        return {"status": "200", "statusDescription": "OK", "body": "generated"}
    request["headers"]["x-handled-by"] = [{"key": "X-Handled-By", "value": context.function_name}]
    return request
