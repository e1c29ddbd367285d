"""The federation's security material and the middleware's access-control list.

Why Eclipse Zenoh: it is the one candidate whose security is installable with ``pip`` alone
(the ``eclipse-zenoh`` wheel bundles the Rust router), so the project's own code starts a
secured router on a fresh machine. It gives, in one process started by `iamd.federation.router`:

- **encryption**: every link is TLS 1.3 (rustls) with a federation CA generated here; the
  router presents a certificate for ``localhost`` / ``127.0.0.1`` signed by it, and each
  node presents a client certificate of its own (mutual TLS, common name = nation code);
- **authentication**: each nation has a user name and a random password (``usrpwd``); a
  session without a valid pair (or without a CA-signed client certificate) is refused at
  the handshake and receives nothing;
- **access control**: key-expression rules enforced by the router, default deny. Nation
  ``X`` may put only under ``iamd/fed/X/**`` (its own topics: it cannot publish into
  another nation's key space), may subscribe only to ``iamd/fed/*/to/X/**`` (what others
  release to it) and its sensor feed ``iamd/feed/X/**``; a put is forwarded to a session only
  if that session's nation is the addressee in the key. Releasability is thus enforced twice:
  a node publishes a track to partner ``Y`` under ``iamd/fed/X/to/Y/...`` only if released
  to ``Y`` (`iamd.federation.releasability`), and the router delivers that key to ``Y``
  alone.

Cyclone DDS with DDS-Security (the OMG standard) needs Debian's library and the Python binding
built from source; NATS and MQTT need a separate Debian broker. Zenoh's trust model is a
trusted router (it sees plaintext; end-to-end payload signing is not done here), which the
docs state (``docs/federation.md``).

Credentials are random (``secrets``), written with mode 0600; nothing here is needed at import
time but ``cryptography`` when certificates are generated.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iamd.errors import InputError

EXERCISE_USER = "exercise"
"""The exercise driver's user: it may only feed sensors (``iamd/feed/**``)."""
TRACKS_ROOT = "iamd/fed"
FEED_ROOT = "iamd/feed"
ALIVE_ROOT = "iamd/alive"


def tracks_key(sender: str, recipient: str) -> str:
    """Key of the track batches ``sender`` releases to ``recipient``."""
    return f"{TRACKS_ROOT}/{sender}/to/{recipient}/tracks"


def engage_key(sender: str, recipient: str) -> str:
    """Key of the engagement statuses ``sender`` sends ``recipient``."""
    return f"{TRACKS_ROOT}/{sender}/to/{recipient}/engage"


def feed_key(nation: str) -> str:
    """Key of ``nation``'s sensor feed (plots) from the exercise driver."""
    return f"{FEED_ROOT}/{nation}/plots"


def alive_key(nation: str) -> str:
    """Liveliness token of ``nation``'s node."""
    return f"{ALIVE_ROOT}/{nation}"


def user_of(nation: str) -> str:
    """The middleware user name of a nation's node."""
    return nation.lower()


@dataclass(frozen=True, slots=True, kw_only=True)
class Credential:
    """One identity: user, password and client certificate files."""

    user: str
    password: str
    cert: Path
    key: Path


@dataclass(frozen=True, slots=True, kw_only=True)
class FederationSecrets:
    """Everything generated for a federation in ``directory``.

    Attributes:
        ca: the federation CA certificate (PEM) every party trusts.
        router_cert, router_key: the router's server certificate and key.
        users_file: the router's ``user:password`` dictionary (mode 0600).
        credentials: per nation code and for :data:`EXERCISE_USER`.
    """

    directory: Path
    ca: Path
    router_cert: Path
    router_key: Path
    users_file: Path
    credentials: dict[str, Credential]


def generate_secrets(
    directory: Path, nations: Sequence[str], *, extra_users: Sequence[str] = ()
) -> FederationSecrets:
    """A CA, the router's certificate, and a user, password and client certificate for each
    nation (and for the exercise driver and each of ``extra_users``), written to ``directory``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    until = now + dt.timedelta(days=30)

    def write(path: Path, data: bytes) -> Path:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return path

    def key_pem(k: ec.EllipticCurvePrivateKey) -> bytes:
        return k.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "iamd federation CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca = write(directory / "ca.pem", ca_cert.public_bytes(serialization.Encoding.PEM))

    def issue(cn: str, server: bool) -> tuple[bytes, bytes]:
        k = ec.generate_private_key(ec.SECP256R1())
        b = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(ca_name)
            .public_key(k.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(until)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
        )
        if server:
            b = b.add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
        cert = b.sign(ca_key, hashes.SHA256())
        return cert.public_bytes(serialization.Encoding.PEM), key_pem(k)

    rc, rk = issue("localhost", server=True)
    router_cert = write(directory / "router.pem", rc)
    router_key = write(directory / "router.key", rk)
    creds: dict[str, Credential] = {}
    for party in [*nations, EXERCISE_USER, *extra_users]:
        user = user_of(party) if party in nations else party
        c, k = issue(user, server=False)
        creds[party] = Credential(
            user=user,
            password=secrets.token_urlsafe(24),
            cert=write(directory / f"{user}.pem", c),
            key=write(directory / f"{user}.key", k),
        )
    users = "".join(f"{c.user}:{c.password}\n" for c in creds.values())
    users_file = write(directory / "users.txt", users.encode())
    return FederationSecrets(
        directory=directory,
        ca=ca,
        router_cert=router_cert,
        router_key=router_key,
        users_file=users_file,
        credentials=creds,
    )


def access_rules(nations: Sequence[str], observers: Sequence[str] = ()) -> dict[str, Any]:
    """The router's ``access_control`` section: default deny, per-nation rules (see the
    module docstring); ``observers`` are users that may only watch every track batch (an
    exercise recorder: read-only, they can put nothing)."""
    rules: list[dict[str, Any]] = []
    subjects: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []

    def rule(rid: str, messages: list[str], flows: list[str], keys: list[str]) -> str:
        rules.append(
            {
                "id": rid,
                "messages": messages,
                "flows": flows,
                "permission": "allow",
                "key_exprs": keys,
            }
        )
        return rid

    live = [
        rule(
            "alive_watch_in",
            ["declare_liveliness_subscriber", "liveliness_query"],
            ["ingress"],
            [f"{ALIVE_ROOT}/**"],
        ),
        rule("alive_watch_out", ["liveliness_token", "reply"], ["egress"], [f"{ALIVE_ROOT}/**"]),
    ]
    for code in nations:
        own = [
            rule(f"{code}_publish", ["put"], ["ingress"], [f"{TRACKS_ROOT}/{code}/**"]),
            rule(
                f"{code}_subscribe",
                ["declare_subscriber"],
                ["ingress"],
                [f"{TRACKS_ROOT}/*/to/{code}/**", f"{FEED_ROOT}/{code}/**"],
            ),
            rule(
                f"{code}_receive",
                ["put"],
                ["egress"],
                [f"{TRACKS_ROOT}/*/to/{code}/**", f"{FEED_ROOT}/{code}/**"],
            ),
            rule(f"{code}_token", ["liveliness_token"], ["ingress"], [alive_key(code)]),
        ]
        subjects.append({"id": f"subject_{code}", "usernames": [user_of(code)]})
        policies.append(
            {"id": f"policy_{code}", "rules": [*own, *live], "subjects": [f"subject_{code}"]}
        )
    feed = rule("exercise_feed", ["put"], ["ingress"], [f"{FEED_ROOT}/**"])
    subjects.append({"id": "subject_exercise", "usernames": [EXERCISE_USER]})
    policies.append(
        {"id": "policy_exercise", "rules": [feed, *live], "subjects": ["subject_exercise"]}
    )
    if observers:
        watch = [
            rule("observe_in", ["declare_subscriber"], ["ingress"], [f"{TRACKS_ROOT}/**"]),
            rule("observe_out", ["put"], ["egress"], [f"{TRACKS_ROOT}/**"]),
        ]
        subjects.append({"id": "subject_observers", "usernames": list(observers)})
        policies.append(
            {"id": "policy_observers", "rules": [*watch, *live], "subjects": ["subject_observers"]}
        )
    return {
        "enabled": True,
        "default_permission": "deny",
        "rules": rules,
        "subjects": subjects,
        "policies": policies,
    }


def router_config(
    sec: FederationSecrets,
    nations: Sequence[str],
    port: int,
    *,
    lease_ms: int = 2_000,
    observers: Sequence[str] = (),
) -> dict[str, Any]:
    """The Zenoh router's configuration: TLS (mutual) on ``127.0.0.1:port``, the users
    file, the access rules; no scouting."""
    if not 0 < port < 65536:
        raise InputError(f"federation: router port must be in 1..65535 (got {port})")
    return {
        "mode": "router",
        "listen": {"endpoints": [f"tls/127.0.0.1:{port}"]},
        "scouting": {"multicast": {"enabled": False}, "gossip": {"enabled": False}},
        "transport": {
            "link": {
                "tls": {
                    "listen_private_key": str(sec.router_key),
                    "listen_certificate": str(sec.router_cert),
                    "root_ca_certificate": str(sec.ca),
                    "enable_mtls": True,
                },
                "tx": {"lease": lease_ms, "keep_alive": 4},
            },
            "auth": {
                "usrpwd": {
                    "user": "router",
                    "password": secrets.token_urlsafe(16),
                    "dictionary_file": str(sec.users_file),
                }
            },
        },
        "access_control": access_rules(nations, observers),
        "adminspace": {"enabled": False},
        "timestamping": {"enabled": {"router": False}},
    }


def client_config(
    sec_ca: Path, port: int, cred: Credential | None, *, lease_ms: int = 2_000
) -> dict[str, Any]:
    """A client session's configuration (``cred`` None: no credentials, for tests of the
    refusal)."""
    tls: dict[str, Any] = {"root_ca_certificate": str(sec_ca)}
    transport: dict[str, Any] = {"link": {"tls": tls, "tx": {"lease": lease_ms, "keep_alive": 4}}}
    if cred is not None:
        tls["connect_private_key"] = str(cred.key)
        tls["connect_certificate"] = str(cred.cert)
        tls["enable_mtls"] = True
        transport["auth"] = {"usrpwd": {"user": cred.user, "password": cred.password}}
    return {
        "mode": "client",
        "connect": {"endpoints": [f"tls/127.0.0.1:{port}"], "timeout_ms": 5_000},
        "scouting": {"multicast": {"enabled": False}, "gossip": {"enabled": False}},
        "transport": transport,
        "adminspace": {"enabled": False},
    }


def to_json5(cfg: dict[str, Any]) -> str:
    """The configuration as the JSON5 text Zenoh reads (plain JSON is JSON5)."""
    return json.dumps(cfg, indent=1)
