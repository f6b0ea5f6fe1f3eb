"""Throttling, failed logins, NUL bytes, the label rules through the API, and the deploy check."""

from __future__ import annotations

import base64
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import requests
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, override_settings
from rest_framework.test import APIClient

from catalog.api.auth import AnonThrottle, UserThrottle
from catalog.checks import weak_secret_key
from catalog.models import Label
from tests.factories import LabellerFactory, answer_field


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def curator(db):
    return LabellerFactory(username="curator", password="pw-curator-123")


@pytest.mark.parametrize(("throttle", "auth"), [(AnonThrottle, False), (UserThrottle, True)])
def test_clients_are_throttled(db, curator, monkeypatch, throttle, auth):
    monkeypatch.setitem(throttle.THROTTLE_RATES, throttle.scope, "3/min")
    client = APIClient()
    if auth:
        client.force_authenticate(curator)
    codes = [client.get("/api/model-versions/").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_anonymous_throttle_ignores_a_client_sent_forwarded_for(db, monkeypatch):
    # DRF's default NUM_PROXIES=None took the whole X-Forwarded-For as the client: a fresh
    # header per request escaped the throttle
    monkeypatch.setitem(AnonThrottle.THROTTLE_RATES, "anon", "3/min")
    client = APIClient()
    codes = [
        client.get("/api/model-versions/", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]


def test_behind_a_trusted_proxy_clients_are_counted_apart(db, curator, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.RADIOHOST_LOGIN_FAILURES = 2
    settings.RADIOHOST_LOGIN_FAILURES_WIDE = 2
    client = Client()

    def attempt(client_ip, username):
        return client.post(
            "/accounts/login/",
            {"username": username, "password": "x"},
            REMOTE_ADDR="10.0.0.254",  # the proxy
            HTTP_X_FORWARDED_FOR=f"198.51.100.77, {client_ip}",  # first hop is client-sent
        ).status_code

    assert [attempt("192.0.2.1", f"guess{i}") for i in range(3)] == [200, 200, 429]
    assert attempt("192.0.2.2", "someone") == 200  # another client behind the same proxy


def test_failed_logins_are_refused_before_hashing(db, curator, settings, monkeypatch):
    settings.RADIOHOST_LOGIN_FAILURES = 3
    hashed = []
    original = User.check_password
    monkeypatch.setattr(
        User, "check_password", lambda self, pw: hashed.append(pw) or original(self, pw)
    )
    client = APIClient()
    codes = [
        client.get(
            "/api/model-versions/", HTTP_AUTHORIZATION=basic("curator", f"wrong{i}")
        ).status_code
        for i in range(6)
    ]
    assert codes == [401, 401, 401, 429, 429, 429]
    assert len(hashed) == 3  # the refused attempts never reached the password hasher
    # the right password from the same address is refused too until the window passes
    r = client.get("/api/model-versions/", HTTP_AUTHORIZATION=basic("curator", "pw-curator-123"))
    assert r.status_code == 429


@pytest.fixture
def hashes(monkeypatch):
    """Every password hash computed (verify and make_password both encode; MD5 in tests)."""
    from django.contrib.auth.hashers import MD5PasswordHasher

    seen = []
    original = MD5PasswordHasher.encode
    monkeypatch.setattr(
        MD5PasswordHasher,
        "encode",
        lambda self, pw, salt: seen.append(pw) or original(self, pw, salt),
    )
    return seen


def _form_login(client, path, username, password, addr="10.0.0.1"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=addr)


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_failed_form_logins_are_429_pages_before_hashing(db, curator, settings, hashes, path):
    settings.RADIOHOST_LOGIN_FAILURES = 3
    settings.RADIOHOST_LOGIN_WINDOW_S = 120
    client = Client()
    codes = [_form_login(client, path, "curator", f"wrong{i}").status_code for i in range(3)]
    assert codes == [200, 200, 200]  # the form again, "did not match"
    assert len(hashes) == 3
    r = _form_login(client, path, "curator", "pw-curator-123")  # even the right password
    assert r.status_code == 429
    assert r["Retry-After"] == "120"
    assert "Too many sign-in attempts" in r.content.decode()
    assert r.templates[0].name == "registration/login_throttled.html"
    assert len(hashes) == 3  # refused before the hasher
    assert "_auth_user_id" not in client.session


def test_failed_logins_count_per_username_across_addresses_and_per_address(
    db, curator, settings, hashes
):
    # the wide limits: one username from many addresses, one address spraying many usernames
    settings.RADIOHOST_LOGIN_FAILURES = 2
    settings.RADIOHOST_LOGIN_FAILURES_WIDE = 3
    client = Client()
    codes = [
        _form_login(client, "/accounts/login/", "curator", "x", addr=f"10.1.0.{i}").status_code
        for i in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    # one address guessing many (unknown) usernames: the hasher runs for unknown names too
    before = len(hashes)
    codes = [
        _form_login(client, "/accounts/login/", f"nobody{i}", "x", addr="10.2.0.1").status_code
        for i in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    assert len(hashes) - before == 3
    # another address and username still signs in
    r = _form_login(client, "/accounts/login/", "curator2", "x", addr="10.3.0.1")
    assert r.status_code == 200


@pytest.fixture
def second_user(db):
    return User.objects.create_user("observer", password="pw-observer-456")


@pytest.mark.parametrize("path", ["/accounts/login/", "basic"])
def test_one_users_wrong_passwords_never_lock_another_user_out(
    db, curator, second_user, settings, path
):
    # The default limits: behind one proxy or NAT every user shares an address.
    settings.RADIOHOST_LOGIN_FAILURES = 10
    settings.RADIOHOST_LOGIN_FAILURES_WIDE = 100
    addr = "10.7.7.7"

    def attempt(username, password):
        if path == "basic":
            return APIClient(REMOTE_ADDR=addr).get(
                "/api/model-versions/", HTTP_AUTHORIZATION=basic(username, password)
            )
        return _form_login(Client(), path, username, password, addr=addr)

    wrong = 401 if path == "basic" else 200
    codes = [attempt("curator", f"wrong{i}").status_code for i in range(12)]
    assert codes == [wrong] * 10 + [429, 429]
    assert attempt("curator", "pw-curator-123").status_code == 429  # the guessed user waits
    ok = attempt("observer", "pw-observer-456")  # the other user, same address, signs in
    assert ok.status_code == (200 if path == "basic" else 302)
    # and the first user can still sign in from their own other address
    other = (
        APIClient(REMOTE_ADDR="10.8.8.8").get(
            "/api/model-versions/", HTTP_AUTHORIZATION=basic("curator", "pw-curator-123")
        )
        if path == "basic"
        else _form_login(Client(), path, "curator", "pw-curator-123", addr="10.8.8.8")
    )
    assert other.status_code == (200 if path == "basic" else 302)


def test_failed_logins_are_counted_across_login_paths(db, curator, settings):
    settings.RADIOHOST_LOGIN_FAILURES = 3
    api = APIClient(REMOTE_ADDR="10.9.9.9")
    for i in range(2):
        r = api.get("/api/model-versions/", HTTP_AUTHORIZATION=basic("curator", f"bad{i}"))
        assert r.status_code == 401 and r["WWW-Authenticate"].startswith("Basic")
    assert (
        _form_login(Client(), "/admin/login/", "curator", "bad", addr="10.9.9.9").status_code == 200
    )
    # the third failure came through the admin form; Basic auth for the username is now 429
    r = api.get("/api/model-versions/", HTTP_AUTHORIZATION=basic("curator", "pw-curator-123"))
    assert r.status_code == 429 and "Too many failed logins" in r.json()["detail"]
    r = _form_login(Client(), "/accounts/login/", "curator", "pw-curator-123", addr="10.9.9.9")
    assert r.status_code == 429


def test_authenticate_without_a_request_counts_the_username(db, curator, settings):
    # authenticate() from code (a shell, Client.login) has no request: no address to count,
    # the username still is
    from django.contrib.auth import authenticate

    from catalog.api.login_limits import LoginThrottled

    settings.RADIOHOST_LOGIN_FAILURES = 2
    assert Client().login(username="curator", password="pw-curator-123")
    assert [authenticate(username="curator", password="bad") for _ in range(2)] == [None, None]
    with pytest.raises(LoginThrottled):
        authenticate(username="curator", password="pw-curator-123")
    assert authenticate(username="someone-else", password="bad") is None


def test_successful_logins_are_not_counted(db, curator, settings):
    settings.RADIOHOST_LOGIN_FAILURES = 2
    for _ in range(4):
        r = _form_login(Client(), "/accounts/login/", "curator", "pw-curator-123")
        assert r.status_code == 302


@pytest.mark.parametrize("creds", [("cur\x00ator", "pw"), ("curator", "p\x00w")])
def test_nul_in_basic_auth_is_refused_not_a_500(db, curator, creds):
    r = APIClient().get("/api/model-versions/", HTTP_AUTHORIZATION=basic(*creds))
    assert r.status_code == 401
    assert "Invalid username/password" in r.json()["detail"]


def _post(user, body):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client.post("/api/labels/", body, format="json")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"origin": "norris2006", "no_host": True, "reason": "x"}, "origin", "'expert' labels"),
        ({"host_ra": 1000, "host_dec": -95}, "host_ra", "less than or equal to 360"),
        ({"host_ra": 53.0}, "host_dec", "together"),
        ({"no_host": True, "reason": "x", "consensus_level": 5}, "consensus_level", "less than"),
        ({"no_host": "maybe", "reason": "x"}, "no_host", "valid boolean"),
        ({"host": 999999999}, "host", "not a candidate"),
        ({"host_ra": 53.0, "host_dec": 20.0}, "host_ra", "a host lies within"),
        # a misspelt field was dropped silently and the label stored without it
        ({"no_host": True, "reason": "x", "consensus": 0.5}, "consensus", "unknown field"),
        ({"host": 1, "supersedes_id": 3}, "supersedes_id", "unknown field"),
    ],
)
def test_bad_label_bodies_are_400s(db, curator, body, field, message):
    comp = answer_field()[0]
    r = _post(curator, {"component": comp.pk, **body})
    assert r.status_code == 400, r.content
    assert message in str(r.json()[field])
    assert Label.objects.count() == 0


def test_supersede_rules_and_usernames(db, curator):
    comp, old, opt, *_ = answer_field()
    first = _post(curator, {"component": comp.pk, "host": opt[0].pk}).json()
    other = _post(curator, {"component": old.pk, "host": opt[0].pk}).json()
    assert first["origin"] == "expert" and first["author"] == "curator"
    r = _post(curator, {"component": comp.pk, "host": opt[1].pk, "supersedes": other["id"]})
    assert r.status_code == 409 and f"belongs to component {old.pk}" in r.json()["detail"]
    r = _post(curator, {"component": comp.pk, "host": opt[1].pk})
    assert r.status_code == 409 and r.json()["current_labels"] == [first["id"]]
    assert Label.objects.current().filter(component=old).count() == 1
    # usernames: hidden from anonymous readers and readers without the permission
    for user in (None, User.objects.create_user("reader")):
        client = APIClient()
        if user:
            client.force_authenticate(user)
        lab = client.get(f"/api/labels/{first['id']}/").json()
        assert lab["author"] is None and lab["author_name"] == ""
        detail = client.get(f"/api/components/{comp.pk}/").json()
        assert detail["label"]["author"] is None
    client = APIClient()
    client.force_authenticate(curator)
    assert client.get(f"/api/components/{comp.pk}/").json()["label"]["author"] == "curator"


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@pytest.mark.django_db(transaction=True)
def test_concurrent_relabels_over_http_give_201_and_409(curator):
    from django.core.wsgi import get_wsgi_application

    comp, _, opt, *_ = answer_field()
    base = _post(curator, {"component": comp.pk, "host": opt[0].pk}).json()

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = make_server(
        "127.0.0.1", 0, get_wsgi_application(), server_class=_ThreadingServer, handler_class=Quiet
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/api/labels/"
    barrier = threading.Barrier(4)
    codes = []

    def relabel(host):
        barrier.wait()
        r = requests.post(
            url,
            json={"component": comp.pk, "host": host.pk, "supersedes": base["id"]},
            headers={"Authorization": basic("curator", "pw-curator-123")},
            timeout=30,
        )
        codes.append(r.status_code)

    try:
        threads = [threading.Thread(target=relabel, args=(opt[1 + i % 2],)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.shutdown()
        server.server_close()
    assert sorted(codes) == [201, 409, 409, 409]
    assert Label.objects.current().filter(component=comp).count() == 1


@pytest.mark.parametrize(
    ("key", "weak"),
    [
        ("", True),
        ("short", True),
        ("django-insecure-" + "x" * 60, True),
        ("a" * 60, True),
        ("k9#Qz!v2LmR7@tW4pX8&nB3^cF6*hJ1$yD5%gS0(eA)uV-oI_iK+" * 1, False),
    ],
)
def test_weak_secret_keys_are_named(key, weak):
    assert (weak_secret_key(key) is not None) is weak


def test_check_deploy_fails_on_a_weak_key():
    with override_settings(SECRET_KEY="too-short", DEBUG=False):
        with pytest.raises(SystemCheckError, match="radiohost.E001"):
            call_command("check", deploy=True, verbosity=0)
