import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)
print("cold start")


def handler(event, context):
    print("hello from", context.function_name)
    logger.info("remaining %s", context.get_remaining_time_in_millis() > 0)
    return event["Records"][0]["cf"]["request"]
