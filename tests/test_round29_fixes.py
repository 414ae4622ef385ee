"""Precision fixes from held-out round 29, each with the case that stays flagged beside it."""

from __future__ import annotations


from backlint.rules.configuration.hardcoded_secret import HardcodedSecret
from backlint.rules.errors.debug_enabled import DebugEnabled
from conftest import finding_lines


def test_a_debug_level_constant_is_no_debug_switch() -> None:
    levels = """
    class Config:
        DEFAULT = 1
        DEBUG = 10
        INFO = 20
    """
    assert finding_lines(DebugEnabled, levels, "app/config.py") == []
    assert finding_lines(DebugEnabled, levels.replace("DEBUG = 10", "DEBUG = 1"), "app/config.py") == [4]


def test_a_development_configuration_class_holds_development_values() -> None:
    code = """
    import os

    class Config:
        SECRET_KEY = os.environ["SECRET_KEY"]

    class Development(Config):
        DEBUG = True
        SECRET_KEY = "dev-notify-secret-key-8f3a"

    class Staging(Config):
        SECRET_KEY = "staging-notify-secret-key-8f3a"
    """
    assert finding_lines(HardcodedSecret, code, "app/config.py") == [12]


def test_a_bare_provider_prefix_is_a_stand_in() -> None:
    code = """
    PLATFORMS = [
        {"name": "openai", "api_key": "sk-proj-"},
        {"name": "anthropic", "api_key": "sk-ant-"},
        {"name": "azure", "api_key": "sk-proj-4fQ8zR2mXc9LwT7vN1bK"},
    ]
    """
    assert finding_lines(HardcodedSecret, code, "app/settings.py") == [5]


def test_the_anonymous_login_is_public() -> None:
    code = """
    class Consumer:
        AMQP_USER_PASS = "anonymous"
        AMQP_ADMIN_PASS = "k2Pq9xWv4s"
    """
    assert finding_lines(HardcodedSecret, code, "app/consumer.py") == [4]


def test_a_command_named_for_development_seeds_a_local_database() -> None:
    code = """
    from django.core.management.base import BaseCommand

    USER_PASSWORD = "Qwerty123"

    class Command(BaseCommand):
        help = "Creates a simple database for local development"
    """
    assert finding_lines(HardcodedSecret, code, "temba/utils/management/commands/dev_db.py") == []
    assert finding_lines(HardcodedSecret, code, "temba/utils/management/commands/rotate_keys.py") == [4]
