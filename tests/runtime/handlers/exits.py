import sys


def handler(event, context):
    print("about to exit")
    sys.exit(3)
