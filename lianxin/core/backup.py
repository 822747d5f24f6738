"""Backups of the embedded setup (SQLite in var/): one tar with the database, the media and the keys.

`backup_write(path)` copies the database with SQLite's online backup API (a consistent copy while the
web server and the worker keep writing), adds every file under MEDIA_ROOT and the development keys kept
in var/ (`secret.key`, `data.key`: without `data.key` the encrypted personal data cannot be read), and a
manifest with each file's SHA-256. `backup_restore(path, into)` checks the manifest and unpacks into a
fresh folder, laid out as var/ is: point LIANXIN_VAR_DIR at it. PostgreSQL installations back up with
pg_dump instead (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from lianxin import __version__

DATABASE_NAME = "lianxin.sqlite3"
KEY_FILES = ("secret.key", "data.key")
MANIFEST = "manifest.json"


class BackupError(Exception):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _database_copy(target: Path) -> None:
    if connection.vendor != "sqlite":
        raise BackupError(
            "The database is not SQLite: back it up with pg_dump (docs/operations.md), the media folder with it."
        )
    connection.ensure_connection()
    source = connection.connection
    dest = sqlite3.connect(str(target))
    try:
        source.backup(dest)  # online: pages copied while others keep writing
    finally:
        dest.close()


def backup_write(output: Path) -> dict[str, Any]:
    """Write the backup tar (gzip) to `output`; returns the manifest."""
    output = Path(output)
    files: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as work:
        db_copy = Path(work) / DATABASE_NAME
        _database_copy(db_copy)
        check = sqlite3.connect(str(db_copy))
        try:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("the copy of the database failed its integrity check")
        finally:
            check.close()
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(db_copy, arcname=DATABASE_NAME)
            files[DATABASE_NAME] = _sha256(db_copy)
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                for path in sorted(p for p in media.rglob("*") if p.is_file()):
                    name = "media/" + path.relative_to(media).as_posix()
                    tar.add(path, arcname=name)
                    files[name] = _sha256(path)
            for key in KEY_FILES:
                path = Path(settings.VAR_DIR) / key
                if path.is_file():
                    tar.add(path, arcname=key)
                    files[key] = _sha256(path)
            manifest = {
                "lianxin": __version__,
                "made_at": datetime.now(UTC).isoformat(),
                "files": files,
                "keys_included": [k for k in KEY_FILES if k in files],
            }
            raw = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(raw), 0o600
            tar.addfile(info, io.BytesIO(raw))
        partial.chmod(0o600)  # it holds the data key
        partial.replace(output)
    return manifest


def backup_restore(archive: Path, into: Path, *, force: bool = False) -> dict[str, Any]:
    """Unpack `archive` into the folder `into` (made if missing; refused if it holds a database unless
    `force`), after checking every file against the manifest; returns the manifest."""
    into = Path(into)
    if (into / DATABASE_NAME).exists() and not force:
        raise BackupError(f"{into} already holds a database; restore into a fresh folder (or --force)")
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile(MANIFEST)
        if member is None:
            raise BackupError("not a Lianxin backup: no manifest")
        manifest = json.loads(member.read())
        names = {m.name for m in tar.getmembers() if m.isfile()} - {MANIFEST}
        if names != set(manifest["files"]):
            raise BackupError("the backup's files do not match its manifest")
        with tempfile.TemporaryDirectory(dir=into) as staging:
            tar.extractall(staging, filter="data")  # no absolute paths, links out or devices
            for name, digest in manifest["files"].items():
                if _sha256(Path(staging) / name) != digest:
                    raise BackupError(f"{name} is damaged (checksum differs)")
            for name in manifest["files"]:
                target = into / name
                target.parent.mkdir(parents=True, exist_ok=True)
                (Path(staging) / name).replace(target)
    for key in KEY_FILES:
        if (into / key).exists():
            (into / key).chmod(0o600)
    db = sqlite3.connect(str(into / DATABASE_NAME))
    try:
        if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("the restored database failed its integrity check")
    finally:
        db.close()
    return manifest
