"""``manage.py smtpd``, the listeners it reads from the settings, and the TLS certificate it uses."""

import os
import signal
import smtplib
import ssl
import subprocess
import sys
from pathlib import Path

from cryptography import x509

from ingress import tls
from ingress.server import Listener, listeners_from_settings
from sendcloud.config import HostPort
from sendcloud.management.commands.runplatform import process_table
from tests.support.dns import unused_port

ROOT = Path(__file__).resolve().parents[2]


def test_listeners_speak_implicit_tls_on_the_implicit_tls_port(settings):
    settings.SMTP_LISTEN = [HostPort("0.0.0.0", 25), HostPort("::", 587), HostPort("0.0.0.0", 465)]
    settings.SMTP_IMPLICIT_TLS_PORT = 465
    assert listeners_from_settings() == [
        Listener("0.0.0.0", 25, False), Listener("::", 587, False), Listener("0.0.0.0", 465, True),
    ]
    assert [str(item) for item in listeners_from_settings()] == [
        "0.0.0.0:25 (STARTTLS)", "[::]:587 (STARTTLS)", "0.0.0.0:465 (implicit TLS)",
    ]


def test_self_signed_certificate_is_generated_once_and_kept_private(tmp_path):
    cert_path, key_path = tls.ensure_self_signed(directory=tmp_path / "smtp-tls", hostname="smtp.one.test")
    assert (cert_path, key_path) == (tmp_path / "smtp-tls" / "cert.pem", tmp_path / "smtp-tls" / "key.pem")
    assert key_path.stat().st_mode & 0o777 == 0o600
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["smtp.one.test"]
    first = cert_path.read_bytes()
    tls.ensure_self_signed(directory=tmp_path / "smtp-tls", hostname="smtp.one.test")
    assert cert_path.read_bytes() == first  # still valid: kept
    tls.ensure_self_signed(directory=tmp_path / "smtp-tls", hostname="smtp.two.test")
    assert cert_path.read_bytes() != first  # another host name: a new one
    assert sorted(p.name for p in (tmp_path / "smtp-tls").iterdir()) == ["cert.pem", "key.pem"]


def test_configured_certificate_wins_else_one_is_generated_into_var(settings, tmp_path):
    settings.SMTP_TLS_CERT, settings.SMTP_TLS_KEY = None, None
    settings.VAR_DIR = tmp_path
    settings.SMTP_HOSTNAME = "smtp.var.test"
    generated = tls.certificate_paths()
    assert generated == (tmp_path / "smtp-tls" / "cert.pem", tmp_path / "smtp-tls" / "key.pem")
    settings.SMTP_TLS_CERT, settings.SMTP_TLS_KEY = generated[0], generated[1]
    settings.VAR_DIR = tmp_path / "elsewhere"
    assert tls.certificate_paths() == generated
    context = tls.server_context(*generated)
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2


def test_the_platform_runs_the_smtp_ingress():
    assert process_table("127.0.0.1:8000")["smtp"] == [sys.executable, str(ROOT / "manage.py"), "smtpd"]


def test_smtpd_command_serves_starttls_and_implicit_tls_and_stops_on_sigterm(tmp_path):
    starttls_port, implicit_port = unused_port(), unused_port()
    env = {
        **os.environ,
        "SENDCLOUD_VAR_DIR": str(tmp_path),
        "SMTP_LISTEN": f"127.0.0.1:{starttls_port},127.0.0.1:{implicit_port}",
        "SMTP_IMPLICIT_TLS_PORT": str(implicit_port),
        "SMTP_HOSTNAME": "smtp.command.test",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "smtpd", "--threads", "2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        lines = [process.stdout.readline().strip() for _ in range(3)]
        assert lines == [
            f"SMTP ingress listening on 127.0.0.1:{starttls_port} (STARTTLS)",
            f"SMTP ingress listening on 127.0.0.1:{implicit_port} (implicit TLS)",
            f"TLS certificate: {tmp_path / 'smtp-tls' / 'cert.pem'}",
        ]
        context = ssl.create_default_context(cafile=str(tmp_path / "smtp-tls" / "cert.pem"))
        context.check_hostname = False
        with smtplib.SMTP("127.0.0.1", starttls_port, timeout=30) as client:
            assert client.starttls(context=context)[0] == 220
            assert client.ehlo("c.example.test")[1].decode().splitlines()[0] == "smtp.command.test"
            assert client.has_extn("auth")
        with smtplib.SMTP_SSL("127.0.0.1", implicit_port, context=context, timeout=30) as client:
            client.ehlo("c.example.test")
            assert client.has_extn("auth") and not client.has_extn("starttls")
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "SMTP ingress stopping" in output
