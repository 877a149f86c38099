def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    block = bytearray(int(request["querystring"]) * 1024 * 1024)
    return {"status": "200", "body": str(len(block))}
