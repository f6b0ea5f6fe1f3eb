"""The ``curators`` group: the people who may write labels (``catalog.add_label``, the
permission :mod:`catalog.labels.writer` checks). Commenting needs only a sign-in.

A curator may also relabel in ``/admin/`` (the label list's "no host" action, which writes
through the same label writer): curators are staff (``is_staff``, the admin's door) and the
group holds ``view_label``, so the admin shows them the labels and nothing else — science rows,
users and predictions need permissions the group does not hold.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

GROUP = "curators"
PERMISSIONS = (("catalog", "add_label"), ("catalog", "view_label"))


def curators_group() -> Group:
    group, _ = Group.objects.get_or_create(name=GROUP)
    perms = [Permission.objects.get(content_type__app_label=a, codename=c) for a, c in PERMISSIONS]
    group.permissions.add(*perms)
    return group


def create_curator(username: str, password: str | None = None, *, email: str = ""):
    """Create (or update) ``username`` as a curator; returns ``(user, password or None)``.

    A password is set only when given or when the user is new (then a random one is made and
    returned, to be shown once); an existing user's password is otherwise left alone. The
    user is made staff so that ``/admin/`` opens for the labels (see the module docstring).
    """
    if not username or not username.strip():
        raise ValueError("create_curator: a user name is required")
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username.strip(), defaults={"email": email})
    if created and password is None:
        password = secrets.token_urlsafe(12)
    if password is not None:
        user.set_password(password)
    user.is_staff = True
    user.save(update_fields=["password", "is_staff"])
    user.groups.add(curators_group())
    return user, password
