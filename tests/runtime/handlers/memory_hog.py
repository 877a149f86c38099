def handler(event, context):
    hog = bytearray(256 * 1024 * 1024)
    return {"status": "200", "body": str(len(hog))}
