"""The ``curators`` group: the people who may write labels (``catalog.add_label``, the
permission :mod:`catalog.labels.writer` checks). Commenting needs only a sign-in."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

GROUP = "curators"
PERMISSIONS = (("catalog", "add_label"),)


def curators_group() -> Group:
    group, _ = Group.objects.get_or_create(name=GROUP)
    perms = [Permission.objects.get(content_type__app_label=a, codename=c) for a, c in PERMISSIONS]
    group.permissions.add(*perms)
    return group


def create_curator(username: str, password: str | None = None, *, email: str = ""):
    """Create (or update) ``username`` as a curator; returns ``(user, password or None)``.

    A password is set only when given or when the user is new (then a random one is made and
    returned, to be shown once); an existing user's password is otherwise left alone.
    """
    if not username or not username.strip():
        raise ValueError("create_curator: a user name is required")
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username.strip(), defaults={"email": email})
    if created and password is None:
        password = secrets.token_urlsafe(12)
    if password is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
    user.groups.add(curators_group())
    return user, password
