"""SMS (Twilio): against vendor-like servers on 127.0.0.1, what it sends, what it makes of
every answer, and that no secret ever shows up in an error."""

from __future__ import annotations

import json

import pytest

from tests.helpers.channels import assert_secret_hidden, ctx_for, message, send_error
from warroom.channels import sms
from warroom.channels.base import ChannelError, Recipient
from warroom.errors import InputError
from warroom.text.smslength import sms_length


def test_sms_short_text_is_one_part_in_e164():
    cfg = {"max_segments": 3}
    out = sms.render(message(), Recipient("Ana", "+49 151 23456789"), cfg, None)
    assert out == {"to": "+4915123456789", "parts": [message().short]}
    marked = sms.render(message(exercise=True), Recipient("Ana", "+4915123456789"), cfg, None)
    assert marked["parts"][0].startswith("[EXERCISE] ")


@pytest.mark.parametrize("address", ["015123456789", "+49 123", "", "call me"])
def test_sms_refuses_numbers_that_are_not_e164(address):
    with pytest.raises(ChannelError) as info:
        sms.render(message(), Recipient("Ana", address), {"max_segments": 3}, None)
    assert not info.value.transient and "E.164" in str(info.value)


def test_sms_unicode_text_is_split_into_parts_by_segments():
    text = " ".join(["Zahlungen gestört 🚨 Fix läuft, nächstes Update 10:30 UTC."] * 12)
    assert sms_length(text).encoding == "UCS-2" and sms_length(text).segments > 2
    out = sms.render(message(short=text), Recipient("Ana", "+4915123456789"), {"max_segments": 2}, None)
    parts = out["parts"]
    n = len(parts)
    assert n >= 2
    for i, part in enumerate(parts, 1):
        assert part.endswith(f" ({i}/{n})")
        assert sms_length(part).segments <= 2
    bodies = [p.rsplit(" (", 1)[0] for p in parts]
    assert " ".join(bodies).split() == text.split()  # split at spaces: no word (or emoji) cut
    # greedy: no part could have taken the next word
    for body, following in zip(bodies, bodies[1:]):
        assert sms_length(f"{body} {following.split()[0]} ({n}/{n})").segments > 2


def test_sms_gsm_text_uses_the_full_gsm_capacity():
    text = ("Payment outage. " * 40).strip()  # 639 GSM-7 characters
    parts = sms.split_text(text, 1)
    assert all(sms_length(p).encoding == "GSM-7" and len(p) <= 160 for p in parts)
    assert len(parts) == 5
    assert sms.split_text("x" * 500, 1)[0] == "x" * 154 + " (1/4)"  # a word longer than a part is cut


def test_sms_ten_or_more_parts_leave_room_for_two_digit_counters():
    parts = sms.split_text(("outage " * 300).strip(), 1)
    n = len(parts)
    assert n >= 10 and parts[9].endswith(f" (10/{n})")
    assert all(sms_length(p).segments == 1 for p in parts)


def test_sms_send_posts_every_part_in_order(fake_twilio):
    cfg = sms.validate_config({"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                               "from_number": "+1 415 555 0100"})
    assert cfg["from_number"] == "+14155550100" and cfg["max_segments"] == 3
    payload = {"to": "+4915123456789", "parts": ["first (1/2)", "second (2/2)"]}
    receipt = sms.send(payload, ctx_for(cfg, fake_twilio.auth_token))
    assert receipt["sids"] == [m["sid"] for m in fake_twilio.messages]
    assert [m["Body"] for m in fake_twilio.messages] == ["first (1/2)", "second (2/2)"]
    assert {(m["To"], m["From"]) for m in fake_twilio.messages} == {("+4915123456789", "+14155550100")}
    assert fake_twilio.requests[0].route == f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
    assert fake_twilio.auth_token not in json.dumps(receipt)


def test_sms_messaging_service_instead_of_a_number(fake_twilio):
    service = "MG" + "a1" * 16
    cfg = sms.validate_config({"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                               "messaging_service_sid": service})
    sms.send({"to": "+4915123456789", "parts": ["hi"]}, ctx_for(cfg, fake_twilio.auth_token))
    assert fake_twilio.messages[0]["MessagingServiceSid"] == service and "From" not in fake_twilio.messages[0]


def test_sms_twilio_400_passes_on_twilios_message(fake_twilio):
    cfg = sms.validate_config({"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                               "from_number": "+14155550100"})
    exc = send_error(sms, {"to": "12345", "parts": ["hi"]}, ctx_for(cfg, fake_twilio.auth_token))
    assert exc.status == 400 and not exc.transient
    assert "21211" in str(exc) and "not a valid phone number" in str(exc)


def test_sms_failed_later_part_reports_what_was_sent(fake_twilio):
    cfg = sms.validate_config({"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                               "from_number": "+14155550100"})
    exc = send_error(sms, {"to": "+4915123456789", "parts": ["ok (1/2)", "x" * 1601]},
                     ctx_for(cfg, fake_twilio.auth_token))
    assert exc.status == 400 and "1600" in str(exc) and "after 1 of 2 parts" in str(exc)
    assert exc.partial_receipt == {"sids": [fake_twilio.messages[0]["sid"]]}


def test_sms_wrong_token_is_permanent_and_hidden(fake_twilio):
    cfg = sms.validate_config({"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                               "from_number": "+14155550100"})
    wrong = "f" * 32
    exc = send_error(sms, {"to": "+4915123456789", "parts": ["hi"]}, ctx_for(cfg, wrong))
    assert exc.status == 401 and not exc.transient
    assert_secret_hidden(exc, wrong, fake_twilio.auth_token)
    assert fake_twilio.messages == []


def test_sms_test_reads_the_account(fake_twilio):
    cfg = sms.validate_config({"base_url": fake_twilio.url, "account_sid": fake_twilio.account_sid,
                               "from_number": "+14155550100"})
    assert "War room test account" in sms.test(ctx_for(cfg, fake_twilio.auth_token))
    assert fake_twilio.messages == [] and fake_twilio.requests[0].method == "GET"


@pytest.mark.parametrize("config, needle", [
    ({"from_number": "+14155550100"}, "account_sid"),
    ({"account_sid": "AC123", "from_number": "+14155550100"}, "account_sid"),
    ({"account_sid": "AC" + "0" * 32}, "from_number"),
    ({"account_sid": "AC" + "0" * 32, "from_number": "04155550100"}, "E.164"),
    ({"account_sid": "AC" + "0" * 32, "from_number": "+14155550100", "messaging_service_sid": "MG" + "0" * 32},
     "not both"),
    ({"account_sid": "AC" + "0" * 32, "from_number": "+14155550100", "max_segments": 0}, "max_segments"),
    ({"account_sid": "AC" + "0" * 32, "from_number": "+14155550100", "base_url": "http://api.twilio.com"},
     "base_url"),
])
def test_sms_config_errors_name_the_setting(config, needle):
    with pytest.raises(InputError) as info:
        sms.validate_config(config)
    assert needle in str(info.value)
