"""``s3://bucket/prefix`` references: objects tracked by their ETag, fetched with boto3.

boto3 is imported only when an S3 reference is used. It finds its endpoint and credentials
the usual way (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``~/.aws``), so any
S3-compatible store works.
"""

from __future__ import annotations

import posixpath
import shutil
from pathlib import Path
from typing import Any

from cairn.limits import check_file_name
from cairn.sdk.artifacts.manifest import ArtifactManifestEntry

DEFAULT_MAX_OBJECTS = 10_000


def _client() -> Any:
    try:
        import boto3
    except ImportError as exc:
        raise ImportError("s3:// references need boto3: pip install 'cairn[s3]'") from exc
    return boto3.client("s3")


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``(bucket, key)`` of ``s3://bucket/key``. The key is everything after the first
    ``/`` past the bucket, verbatim: S3 keys may hold ``?`` and ``#``, which a URL parser
    would take for a query or a fragment."""
    if not uri.startswith("s3://"):
        raise ValueError(f"S3 reference {uri!r} must look like s3://bucket/key")
    bucket, _, key = uri[len("s3://"):].partition("/")
    if not bucket:
        raise ValueError(f"S3 reference {uri!r} names no bucket (s3://bucket/key)")
    return bucket, key


def _etag(value: Any) -> str:
    return str(value or "").strip('"')


def _entry(bucket: str, key: str, name: str, etag: str, size: int,
           checksum: bool) -> ArtifactManifestEntry:
    uri = f"s3://{bucket}/{key}"
    if not checksum:
        return ArtifactManifestEntry(check_file_name(name), uri, size, ref=uri,
                                     extra={"checksum": False})
    return ArtifactManifestEntry(check_file_name(name), etag, size, ref=uri,
                                 extra={"checksum": True, "etag": etag})


def s3_entries(uri: str, name: str | None, checksum: bool,
               max_objects: int | None) -> list[ArtifactManifestEntry]:
    """One entry for an object, or one per object below a prefix (named by their path
    below it, under ``name/``)."""
    from botocore.exceptions import ClientError

    bucket, key = split_s3_uri(uri)
    client = _client()
    if key and not key.endswith("/"):
        try:
            head = client.head_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
                raise
        else:
            return [_entry(bucket, key, name or posixpath.basename(key), _etag(head["ETag"]),
                           int(head["ContentLength"]), checksum)]
    prefix = key if not key or key.endswith("/") else key + "/"
    limit = DEFAULT_MAX_OBJECTS if max_objects is None else max_objects
    entries: list[ArtifactManifestEntry] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if item["Key"].endswith("/"):
                continue  # a folder marker
            if len(entries) >= limit:
                raise ValueError(f"add_reference({uri!r}) matches more than max_objects="
                                 f"{limit} objects; pass a larger max_objects")
            relative = item["Key"][len(prefix):]
            entries.append(_entry(bucket, item["Key"],
                                  posixpath.join(name, relative) if name else relative,
                                  _etag(item["ETag"]), int(item["Size"]), checksum))
    if not entries:
        raise ValueError(f"add_reference({uri!r}): no object or prefix there")
    return entries


def fetch_s3(entry: ArtifactManifestEntry, target: Path) -> None:
    """Stream the referenced object into ``target``; ValueError if its ETag changed."""
    from botocore.exceptions import ClientError

    bucket, key = split_s3_uri(entry.ref or "")
    try:
        response = _client().get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise FileNotFoundError(f"referenced object {entry.ref} is gone") from exc
        raise
    wanted = entry.extra.get("etag")
    if entry.extra.get("checksum", True) and wanted and _etag(response["ETag"]) != wanted:
        response["Body"].close()
        raise ValueError(f"referenced object {entry.ref} changed since it was logged (ETag "
                         f"{_etag(response['ETag'])}, expected {wanted})")
    with response["Body"] as body, open(target, "wb") as out:
        shutil.copyfileobj(body, out, 1 << 20)
