"""Operator PIN: salted slow hash, constant-time verify, lockout with a cool-down (fake clock)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from app.core.operator import LockoutPolicy, OperatorGate, PinCheck, hash_pin, validate_pin, verify_pin

FAST = {"n": 2**10}  # cheap parameters where the test is about the lockout, not the hash


def test_hash_round_trip_and_format():
    stored = hash_pin("2468")
    scheme, params, salt, digest = stored.split("$")
    assert (scheme, params) == ("scrypt", "n=16384,r=8,p=1")
    assert len(base64.urlsafe_b64decode(salt + "==")) == 16
    assert len(base64.urlsafe_b64decode(digest + "=")) == 32
    assert "2468" not in stored
    assert verify_pin("2468", stored) is True
    assert verify_pin("2469", stored) is False
    assert verify_pin("24680", stored) is False


def test_salt_makes_every_hash_different():
    first, second = hash_pin("13579", **FAST), hash_pin("13579", **FAST)
    assert first != second
    assert verify_pin("13579", first) and verify_pin("13579", second)


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "", "１２３４", " 1234", 1234])
def test_pin_format(pin):
    assert validate_pin(pin) is not None
    with pytest.raises(ValueError, match="4 to 8 digits"):
        hash_pin(pin)
    assert verify_pin(pin, hash_pin("1234", **FAST)) is False


@pytest.mark.parametrize("pin", ["0000", "12345678"])
def test_pin_format_accepts_4_to_8_digits(pin):
    assert validate_pin(pin) is None
    assert verify_pin(pin, hash_pin(pin, **FAST))


def test_pbkdf2_hashes_are_read_too():
    salt = b"0123456789abcdef"
    digest = hashlib.pbkdf2_hmac("sha256", b"7777", salt, 1000)
    stored = "pbkdf2_sha256$i=1000${}${}".format(base64.urlsafe_b64encode(salt).decode().rstrip("="),
                                                 base64.urlsafe_b64encode(digest).decode().rstrip("="))
    assert verify_pin("7777", stored) and not verify_pin("7778", stored)


def test_tampered_hash_does_not_verify():
    stored = hash_pin("2468", **FAST)
    scheme, params, salt, digest = stored.split("$")
    flipped = ("B" if digest[0] == "A" else "A") + digest[1:]
    assert verify_pin("2468", "$".join([scheme, params, salt, flipped])) is False


SALT_HASH = "c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"  # 8-byte salt, 16-byte hash


@pytest.mark.parametrize("stored", [
    "", "2468", f"md5$n=1${SALT_HASH}", f"scrypt$n=1000,r=8,p=1${SALT_HASH}",
    f"scrypt$n=4294967296,r=8,p=1${SALT_HASH}", f"scrypt$n=1024${SALT_HASH}",
    f"scrypt$n=-1,r=8,p=1${SALT_HASH}", "scrypt$n=1024,r=8,p=1$$aGFzaGhhc2hoYXNoaGFzaA",
    f"pbkdf2_sha256$i=1${SALT_HASH}", "scrypt$n=1024,r=8,p=1$!$?"])
def test_malformed_stored_hash_is_a_clear_error(stored):
    with pytest.raises(ValueError, match="malformed PIN hash"):
        verify_pin("1234", stored)
    with pytest.raises(ValueError, match="malformed PIN hash"):
        verify_pin("12", stored)  # also when the entered PIN is malformed


class Clock:
    def __init__(self) -> None:
        self.t = 500.0

    def __call__(self) -> float:
        return self.t


def make_gate(clock: Clock, **policy: float) -> OperatorGate:
    return OperatorGate(hash_pin("2468", **FAST), policy=LockoutPolicy(**policy), now=clock)


def test_lockout_after_n_failures_and_release_after_cooldown():
    clock = Clock()
    gate = make_gate(clock, max_failures=3, cooldown_s=60)
    assert gate.check("1111") is PinCheck.WRONG and gate.check("2222") is PinCheck.WRONG
    assert not gate.locked
    assert gate.check("3333") is PinCheck.WRONG
    assert gate.locked and gate.remaining_lockout() == pytest.approx(60)
    assert gate.check("2468") is PinCheck.LOCKED  # even the right PIN, unchecked
    assert gate.verify("2468") is False
    clock.t += 59.9
    assert gate.check("2468") is PinCheck.LOCKED
    clock.t += 0.1
    assert not gate.locked and gate.failures == 0
    assert gate.check("2468") is PinCheck.OK and gate.verify("2468") is True


def test_lockouts_in_a_row_double_the_cooldown_up_to_the_cap():
    clock = Clock()
    gate = make_gate(clock, max_failures=2, cooldown_s=10, max_cooldown_s=30)
    for expected in (10, 20, 30, 30):
        gate.check("0000")
        gate.check("0000")
        assert gate.remaining_lockout() == pytest.approx(expected)
        clock.t += expected
    assert gate.check("2468") is PinCheck.OK
    gate.check("0000")
    gate.check("0000")
    assert gate.remaining_lockout() == pytest.approx(10)  # a success resets the escalation


def test_success_resets_the_failure_count():
    clock = Clock()
    gate = make_gate(clock, max_failures=3)
    gate.check("1111")
    gate.check("1111")
    assert gate.verify("2468")
    gate.check("1111")
    gate.check("1111")
    assert not gate.locked


def test_no_pin_set_refuses_everything_and_changes_apply_at_once():
    stored: list[str | None] = [None]
    gate = OperatorGate(lambda: stored[0], now=Clock())
    assert gate.check("2468") is PinCheck.NOT_SET
    stored[0] = hash_pin("2468", **FAST)
    assert gate.check("2468") is PinCheck.OK
    stored[0] = hash_pin("8642", **FAST)
    assert gate.check("2468") is PinCheck.WRONG and gate.check("8642") is PinCheck.OK


@pytest.mark.parametrize("policy", [{"max_failures": 0}, {"cooldown_s": 0},
                                    {"cooldown_s": 60, "max_cooldown_s": 30}])
def test_bad_policy(policy):
    with pytest.raises(ValueError):
        LockoutPolicy(**policy)


def test_the_pin_file_holds_only_a_hash_owner_readable(tmp_path):
    import stat

    from app.core.operator import read_pin_file, verify_pin, write_pin_file

    path = tmp_path / "cfg" / "operator.pin"
    assert read_pin_file(path) is None
    write_pin_file(path, "4821")
    stored = read_pin_file(path)
    assert stored is not None and "4821" not in stored and verify_pin("4821", stored)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(ValueError):
        write_pin_file(path, "12")
    assert read_pin_file(path) == stored  # a refused PIN changes nothing
