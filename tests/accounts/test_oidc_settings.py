"""The city log-in is configured from the environment only, and a wrong configuration stops
the start-up with a message that names the variable."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 10 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "k0.example.fi"}
CITY = {
    "OIDC_ISSUER": "https://login.example.fi/realms/staff",
    "OIDC_CLIENT_ID": "k0",
    "OIDC_CLIENT_SECRET": "a-secret-from-the-provider",
}


def run(*args, **overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OIDC_")
        and key
        not in {
            "SECRET_KEY",
            "DEBUG",
            "ALLOWED_HOSTS",
            "SECURE_SSL_REDIRECT",
            "TWO_FACTOR_REQUIRED",  # pytest turns it off; production leaves it on
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests in this process
        }
    }
    env.update(PRODUCTION, **overrides)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


# Loads k0/settings.py once per environment, all in one process (a process per case would
# cost seconds each): the settings' OIDC_* values and form-action, or the start-up error.
LOAD_SETTINGS = """
import importlib, json, os, sys
results = []
for overrides in json.loads(sys.argv[1]):
    saved = dict(os.environ)
    os.environ.update(overrides)
    try:
        module = importlib.import_module("k0.settings")
        module = importlib.reload(module)
        values = {k: getattr(module, k) for k in dir(module) if k.startswith("OIDC_")}
        values["form_action"] = module.CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"]
        results.append(values)
    except Exception as error:
        results.append({"error": f"{type(error).__name__}: {error}"})
    os.environ.clear()
    os.environ.update(saved)
print(json.dumps(results))
"""


def load_settings(*environments):
    result = run("-c", LOAD_SETTINGS, json.dumps(environments))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


WRONG = [
    ({**CITY, "OIDC_ISSUER": "http://login.example.fi"}, "OIDC_ISSUER must be an https://"),
    ({"OIDC_ISSUER": CITY["OIDC_ISSUER"]}, "needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET"),
    ({"OIDC_CLIENT_ID": "k0"}, "need OIDC_ISSUER"),
    ({**CITY, "OIDC_SCOPES": "profile,email"}, "OIDC_SCOPES must include openid"),
    (
        {**CITY, "OIDC_WEAK_LOGIN": "allow"},
        "OIDC_WEAK_LOGIN='allow' is not allowed: use one of refuse, totp",
    ),
    ({"OIDC_LOCAL_LOGIN": "false"}, "OIDC_LOCAL_LOGIN=false needs the city log-in"),
    ({**CITY, "OIDC_LOCAL_LOGIN": "nope"}, "OIDC_LOCAL_LOGIN='nope' is not a boolean"),
    ({**CITY, "OIDC_GROUP_MAPPING": "ja"}, "OIDC_GROUP_MAPPING='ja' is not a boolean"),
    ({**CITY, "OIDC_RECHECK_MINUTES": "0"}, "OIDC_RECHECK_MINUTES='0' is out of range"),
]


def test_a_wrong_city_log_in_configuration_stops_the_start():
    results = load_settings(*(environment for environment, _ in WRONG))
    for (environment, message), result in zip(WRONG, results, strict=True):
        assert result.get("error", "").startswith("ImproperlyConfigured"), environment
        assert message in result["error"], (environment, result)


def test_the_city_log_in_is_off_by_default_and_configured_from_the_environment():
    default, configured = load_settings(
        {},
        {
            **CITY,
            "OIDC_SCOPES": "openid,profile,email,groups",
            "OIDC_SUBJECT_CLAIM": "oid",
            "OIDC_STRONG_AMR": "mfa,hwk",
            "OIDC_STRONG_ACR": "http://eidas.europa.eu/LoA/substantial",
            "OIDC_WEAK_LOGIN": "totp",
            "OIDC_GROUP_MAPPING": "true",
            "OIDC_LOCAL_LOGIN": "false",
            "OIDC_RECHECK_MINUTES": "10",
        },
    )
    assert default["OIDC_ISSUER"] == "" and default["OIDC_LOCAL_LOGIN"] is True
    assert default["OIDC_STRONG_AMR"] == ["mfa"] and default["OIDC_WEAK_LOGIN"] == "refuse"
    assert default["form_action"] == ["'self'"]

    assert configured["OIDC_SCOPES"] == ["openid", "profile", "email", "groups"]
    assert configured["OIDC_SUBJECT_CLAIM"] == "oid"
    assert configured["OIDC_STRONG_AMR"] == ["mfa", "hwk"]
    assert configured["OIDC_STRONG_ACR"] == ["http://eidas.europa.eu/LoA/substantial"]
    assert configured["OIDC_WEAK_LOGIN"] == "totp"
    assert configured["OIDC_GROUP_MAPPING"] is True and configured["OIDC_LOCAL_LOGIN"] is False
    assert configured["OIDC_RECHECK_MINUTES"] == 10
    # Log-out redirects a form to the provider: the policy allows that origin, no other.
    assert configured["form_action"] == ["'self'", "https://login.example.fi"]


def test_a_configured_city_log_in_passes_the_deployment_check():
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", **CITY)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
