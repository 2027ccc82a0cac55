"""E-mail updates to a real SMTP server on loopback, over verified STARTTLS and TLS."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.notify.email import EmailChannel, EmailSettings
from app.notify.notice import Notice

PASSWORD = "correct horse battery staple"


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"


@dataclass(frozen=True)
class SmtpServer:
    port: int
    inbox: Inbox
    ca_file: Path
    security: str  # "starttls" or "tls" (implicit)


def _authenticator(inbox: Inbox) -> Any:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == b"me@example.org"
            and data.password == PASSWORD.encode()
        )
        if ok:
            inbox.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)  # let aiosmtpd answer 535 itself

    return check


@pytest.fixture(params=["starttls", "tls"])
def smtp_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SmtpServer]:
    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    implicit = request.param == "tls"
    with socket.socket() as probe:  # aiosmtpd needs a concrete port to self-check
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        ssl_context=context if implicit else None,
        tls_context=None if implicit else context,
        require_starttls=not implicit,
        authenticator=_authenticator(inbox),
        auth_require_tls=not implicit,  # implicit TLS is encrypted from the first byte
    )
    controller.start()
    try:
        yield SmtpServer(port, inbox, cert, request.param)
    finally:
        controller.stop()


NOTICE = Notice(
    title="Winterjacke",
    body="Zugestellt – Nachbar (Hausnr. 12)",
    route="/parcels/p-1",
    change_keys=("k1",),
)


def _channel(server: SmtpServer, security: str, password: str = PASSWORD) -> EmailChannel:
    async def secret() -> str:
        return password

    settings = EmailSettings(
        host="localhost",
        port=server.port,
        sender="paketpilot@example.org",
        recipient="me@example.org",
        username="me@example.org",
        security=security,  # type: ignore[arg-type]
        ca_file=str(server.ca_file),
    )
    return EmailChannel(settings, password=secret, language="de")


async def test_the_update_arrives_once_over_verified_tls(smtp_server: SmtpServer) -> None:
    assert await _channel(smtp_server, smtp_server.security).deliver(NOTICE)
    assert len(smtp_server.inbox.messages) == 1
    message = smtp_server.inbox.messages[0]
    assert message["Subject"] == "Paketpilot: Winterjacke"
    assert message["To"] == "me@example.org"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)  # a single part, its transfer encoding undone
    assert "Zugestellt – Nachbar (Hausnr. 12)" in body.decode()
    assert smtp_server.inbox.logins == ["me@example.org"]


async def test_an_untrusted_certificate_is_refused(smtp_server: SmtpServer) -> None:
    settings = EmailSettings(
        host="localhost",
        port=smtp_server.port,
        sender="a@example.org",
        recipient="b@example.org",
        security=smtp_server.security,  # type: ignore[arg-type]
    )

    async def no_password() -> None:
        return None

    assert not await EmailChannel(settings, password=no_password).deliver(NOTICE)
    assert smtp_server.inbox.messages == []


async def test_a_wrong_password_fails_without_leaking_it(
    smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "hunter2-wrong-password"
    assert not await _channel(smtp_server, smtp_server.security, wrong).deliver(NOTICE)
    assert smtp_server.inbox.messages == []
    assert wrong not in caplog.text
