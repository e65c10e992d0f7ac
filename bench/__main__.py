import sys

from bench.environment import configure

NAMES = ["dkim", "api", "drain"]


def main(selected: list[str]) -> None:
    unknown = set(selected) - set(NAMES)
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {sorted(unknown)}; choose from {NAMES}")
    env = configure()
    for name in selected or NAMES:
        if name == "dkim":
            from bench import dkim_sign

            dkim_sign.main()
        elif name == "api":
            from bench import api_send

            api_send.main(env)
        elif name == "drain":
            from bench import delivery_drain

            delivery_drain.main(env)


main(sys.argv[1:])
