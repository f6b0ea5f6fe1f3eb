"""The one file store of the catalog's images: radio and optical cutouts (FITS) and the
component overlays (PNG), all through Django's storage API.

Files go to ``storages["default"]`` — ``MEDIA_ROOT`` on a single host, any storage that
``STORAGES`` names elsewhere (django-storages for an S3-compatible bucket shared by the web
and worker hosts). A ``Cutout.path`` is the file's name in that storage, never a local path.
Names are content-addressed (the sha256 of a cutout's bytes, the digest of what an overlay
draws), so storing the same thing twice writes nothing.
"""

from __future__ import annotations

import hashlib

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages


def media_storage() -> Storage:
    """The storage every image goes to (looked up per call, so a settings change is seen)."""
    return storages["default"]


def cutout_name(survey: str, sha256: str) -> str:
    return f"cutouts/{survey.lower()}/{sha256}.fits"


def overlay_name(component_id: int, digest: str) -> str:
    return f"overlays/{component_id}/{digest[:20]}.png"


def exists(name: str) -> bool:
    return media_storage().exists(name)


def save_once(name: str, content: bytes) -> str:
    """Store ``content`` under ``name`` unless a file of that name exists; returns ``name``.

    The name is content-addressed, so an existing file holds the same bytes. Should two
    workers race, the storage keeps the first and gives the second an alternative name:
    that duplicate is removed again.
    """
    storage = media_storage()
    if storage.exists(name):
        return name
    saved = storage.save(name, ContentFile(content))
    if saved != name:
        storage.delete(saved)
    return name


def store_fits(raw: bytes, survey: str) -> tuple[str, str]:
    """Store cutout FITS bytes under ``cutouts/<survey>/<sha256>.fits``; returns
    ``(name, sha256)``."""
    sha = hashlib.sha256(raw).hexdigest()
    return save_once(cutout_name(survey, sha), raw), sha


def read_bytes(name: str) -> bytes:
    with media_storage().open(name, "rb") as fh:
        return fh.read()


def open_file(name: str) -> File:
    """The stored file, open for reading (for a streamed response)."""
    return media_storage().open(name, "rb")
