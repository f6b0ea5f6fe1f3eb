"""PostgreSQL advisory locks: one holder per key, released when the holder's connection ends.

Why advisory locks and not a row state: a worker killed with SIGKILL cannot clean up its
"running" marks, but the kernel closes its socket and PostgreSQL ends the session, which
releases every session-level advisory lock it held -- so a redelivered tile runs as soon as
(and only once) the first copy is truly gone, and a second delivery while the first still
runs finds the lock taken and backs off. SQLite (the single-process demo) has no concurrent
holder, so the lock is always granted there.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection

#: Key spaces (the high 16 bits of the 64-bit key) so different kinds never collide.
TILE, INBOX, FINISH, GPU_TASK, LAUNCH, EXPORT = 0x7101, 0x7102, 0x7103, 0x7104, 0x7105, 0x7106


def _key(space: int, ident: int) -> int:
    return (space << 47) | (int(ident) & ((1 << 47) - 1))


@contextmanager
def advisory_lock(space: int, ident: int):
    """Try to take the lock ``(space, ident)`` for this session; yields whether it was taken."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = _key(space, ident)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s)", [key])
        got = bool(cur.fetchone()[0])
    try:
        yield got
    finally:
        if got and connection.connection is not None:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [key])


def stable_id(text: str) -> int:
    """A 47-bit integer for a string key (e.g. a model name) -- stable across processes."""
    import hashlib

    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:6], "big")


def held(space: int, idents) -> set[int]:
    """Which of ``idents`` some session holds the lock ``(space, ident)`` of right now (a
    worker running that tile); always empty on SQLite, which has no concurrent holder."""
    idents = list(idents)
    if connection.vendor != "postgresql" or not idents:
        return set()
    keys = {_key(space, i): int(i) for i in idents}
    with connection.cursor() as cur:
        # a bigint advisory key shows in pg_locks as classid (high 32 bits) and objid (low
        # 32 bits) with objsubid 1
        cur.execute(
            "SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks "
            "WHERE locktype = 'advisory' AND objsubid = 1 AND granted"
        )
        return {keys[k] for (k,) in cur.fetchall() if k in keys}
