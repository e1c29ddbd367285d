"""Campaigns on a Dask cluster across a trust boundary: ``tls://`` with mutual certificates.

Reference: Dask distributed's TLS security (``distributed.Security``, ``tls://`` addresses):
the client checks the scheduler's certificate against its certificate authority, and the
scheduler checks the client's. Certificates are made here with ``cryptography`` (X.509 v3).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from pathlib import Path

import pytest

pytest.importorskip("distributed")
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from iamd.analysis.executors import TLSFiles, make_executor
from iamd.errors import InputError


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _authority(folder: Path, cn: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (folder / f"{cn}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _issue(
    folder: Path, ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey], cn: str
) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(ca[0].subject)
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
        .sign(ca[1], hashes.SHA256())
    )
    crt, k = folder / f"{cn}.crt", folder / f"{cn}.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(k, key)
    return str(crt), str(k)


def _square(x: int) -> int:
    return x * x


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("pki")
    ours = _authority(d, "campaign-ca")
    theirs = _authority(d, "rogue-ca")
    files = {"ca": str(d / "campaign-ca.pem"), "rogue_ca": str(d / "rogue-ca.pem")}
    files["cluster_cert"], files["cluster_key"] = _issue(d, ours, "cluster")
    files["client_cert"], files["client_key"] = _issue(d, ours, "client")
    files["rogue_cert"], files["rogue_key"] = _issue(d, theirs, "rogue")
    return files


def _cluster(pki: dict[str, str], ca: str, cert: str, key: str):  # type: ignore[no-untyped-def]
    from distributed import LocalCluster
    from distributed.security import Security

    security = Security(
        tls_ca_file=ca,
        tls_scheduler_cert=cert,
        tls_scheduler_key=key,
        tls_worker_cert=cert,
        tls_worker_key=key,
        tls_client_cert=cert,
        tls_client_key=key,
        require_encryption=True,
    )
    return LocalCluster(
        n_workers=1,
        processes=False,
        threads_per_worker=1,
        protocol="tls://",
        host="127.0.0.1",
        security=security,
        dashboard_address=None,
    )


def test_an_authenticated_campaign_runs_over_tls(pki: dict[str, str]) -> None:
    with _cluster(pki, pki["ca"], pki["cluster_cert"], pki["cluster_key"]) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tls://")
        tls = TLSFiles(ca=pki["ca"], cert=pki["client_cert"], key=pki["client_key"])
        with make_executor(dask=address, tls=tls) as ex:
            got = dict(ex.map_unordered(_square, [(k, (k,)) for k in range(4)]))
        assert got == {0: 0, 1: 1, 2: 4, 3: 9}


def test_the_client_refuses_a_scheduler_it_cannot_authenticate(pki: dict[str, str]) -> None:
    # The scheduler's certificate is signed by another authority: the client must not talk.
    with _cluster(pki, pki["rogue_ca"], pki["rogue_cert"], pki["rogue_key"]) as cluster:
        tls = TLSFiles(ca=pki["ca"], cert=pki["client_cert"], key=pki["client_key"])
        with pytest.raises(InputError, match="did not present a certificate signed by"):
            make_executor(dask=cluster.scheduler_address, tls=tls)


def test_tls_needs_its_certificates_and_tcp_refuses_them(pki: dict[str, str]) -> None:
    with pytest.raises(InputError, match="needs --tls-ca, --tls-cert and --tls-key"):
        make_executor(dask="tls://127.0.0.1:1")
    tls = TLSFiles(ca=pki["ca"], cert=pki["client_cert"], key=pki["client_key"])
    with pytest.raises(InputError, match="go with --dask tls://"):
        make_executor(dask="tcp://127.0.0.1:1", tls=tls)
    missing = TLSFiles(ca="/nonexistent.pem", cert=pki["client_cert"], key=pki["client_key"])
    with pytest.raises(InputError, match=re.escape("--tls-ca: /nonexistent.pem: no such file")):
        make_executor(dask="tls://127.0.0.1:1", tls=missing)
