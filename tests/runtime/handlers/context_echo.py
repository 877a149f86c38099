import os


def handler(event, context):
    return {
        "status": "200",
        "headers": {
            "x-arn": [{"value": context.invoked_function_arn}],
            "x-memory": [{"value": context.memory_limit_in_mb}],
            "x-log-group": [{"value": context.log_group_name}],
            "x-env-name": [{"value": os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")}],
        },
    }
