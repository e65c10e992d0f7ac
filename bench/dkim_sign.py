"""P6: DKIM RSA-2048 signatures per second on one core, OpenSSL-backed vs dkimpy's pure-Python RSA."""

from __future__ import annotations

import time

SECONDS = 3.0


def _message() -> bytes:
    body = ("<p>" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 80 + "</p>\r\n").encode()
    head = (b"From: Bench <bench@bench.example.test>\r\nTo: rcpt@rcpt.example.test\r\nSubject: Benchmark\r\n"
            b"Date: Fri, 04 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@bench.example.test>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/html; charset=utf-8\r\n\r\n")
    return head + body[:5000]


def rate(sign, message: bytes) -> float:
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < SECONDS:
        sign(message)
        count += 1
    return count / (time.perf_counter() - started)


def main() -> dict[str, float]:
    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from delivery import dkim_signing

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    message = _message()

    def ours(data):
        return dkim_signing.sign(data, domain="bench.example.test", selector="s1", private_key_pem=pem)

    openssl = rate(ours, message)
    patched = dkim.RSASSA_PKCS1_v1_5_sign
    dkim.RSASSA_PKCS1_v1_5_sign = dkim_signing._pure_python_sign  # dkimpy as shipped
    try:
        pure = rate(ours, message)
    finally:
        dkim.RSASSA_PKCS1_v1_5_sign = patched
    print(f"P6 DKIM RSA-2048 ({len(message)} B message), one core: {openssl:,.0f} signatures/s with OpenSSL; "
          f"{pure:,.0f}/s with dkimpy's pure-Python RSA")
    return {"dkim_openssl_per_s": openssl, "dkim_pure_python_per_s": pure}


if __name__ == "__main__":
    from bench.environment import configure

    configure()
    main()
