#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendcloud.settings")
    from django.core.management import execute_from_command_line

    from sendcloud.config import ConfigError

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as error:
        # A malformed setting stops start-up with one line naming the variable, not a traceback.
        print(f"configuration error: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
