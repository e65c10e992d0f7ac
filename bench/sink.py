"""A minimal SMTP sink for the drain benchmark: accepts everything, keeps nothing."""

import argparse
import time

from aiosmtpd.controller import Controller


class Accept:
    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 Ok"


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    controller = Controller(Accept(), hostname="127.0.0.1", port=args.port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()
