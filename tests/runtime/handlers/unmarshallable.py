def handler(event, context):
    return {"status": "200", "body": {1, 2}}
