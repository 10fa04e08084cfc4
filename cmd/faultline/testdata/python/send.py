"""Usage: python3 send.py DSN

Sends, with Debian's unmodified python3-sentry-sdk: a KeyError from
load_cart three times, a ValueError from parse_quantity twice (with a
password in a local variable, which must be scrubbed), and a message.
"""
import sys

import sentry_sdk

sentry_sdk.init(dsn=sys.argv[1], release="py-shop@1.0.0", environment="test", default_integrations=False)
sentry_sdk.set_user({"id": "py-user-1"})


def load_cart(cart_id):
    carts = {}
    return carts[cart_id]


def parse_quantity(text):
    password = "hunter2-python"  # noqa: F841 - a frame variable the server must scrub
    return int(text)


for i in range(3):
    try:
        load_cart("cart-%d" % i)
    except KeyError:
        sentry_sdk.capture_exception()
for text in ("two", "three"):
    try:
        parse_quantity(text)
    except ValueError:
        sentry_sdk.capture_exception()
sentry_sdk.capture_message("python worker started", level="info")
sentry_sdk.flush(timeout=10)
