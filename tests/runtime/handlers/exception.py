def handler(event, context):
    return helper()


def helper():
    raise ValueError("something broke")
