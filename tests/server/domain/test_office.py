"""The office model: services, segments, windows, categories, targets, cross references."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from server import config
from server.domain.office import (
    DEFAULT_CATEGORIES,
    DEFAULT_SEGMENTS,
    Office,
    PolicyName,
    Service,
    WindowConfig,
)

MIN = 60.0


def office_data(**changes: Any) -> dict[str, Any]:
    """A small valid office: two services, two windows; ``changes`` replace top-level keys."""
    data: dict[str, Any] = {
        "name": "ЦОК «Тестовый»",
        "services": [
            {"code": "consult", "prefix": "К", "name": "Консультация"},
            {"code": "payment", "prefix": "О", "name": "Оплата"},
        ],
        "windows": [
            {"number": 1, "services": ["payment"]},
            {"number": 2, "services": [{"code": "consult", "weight": 2}, "payment"]},
        ],
    }
    data.update(changes)
    return data


def rejected(**changes: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        Office.model_validate(office_data(**changes))
    return str(caught.value)


def test_small_office_gets_default_targets_segments_and_categories() -> None:
    office = Office.model_validate(office_data())
    assert (office.targets.wait_min, office.targets.service_min) == (20.0, 10.0)
    assert tuple(office.segments) == DEFAULT_SEGMENTS
    assert tuple(office.out_of_turn) == DEFAULT_CATEGORIES
    assert office.default_segment == "individual"
    assert office.timezone == "Europe/Moscow"
    assert office.dispatch.policy is PolicyName.TARGET


def test_demo_office_has_cyrillic_prefixes(demo_office: config.OfficeFile) -> None:
    prefixes = [s.prefix for s in demo_office.services]
    assert "К" in prefixes and "Ю" in prefixes
    for prefix in prefixes:
        assert all("\u0410" <= ch <= "\u042f" or ch == "\u0401" for ch in prefix), prefix


def test_lowercase_prefix_is_stored_in_capitals() -> None:
    office = Office.model_validate(
        office_data(services=[{"code": "consult", "prefix": "ка", "name": "К"}],
                    windows=[{"number": 1, "services": ["consult"]}])
    )
    assert office.services[0].prefix == "КА"


@pytest.mark.parametrize("prefix", ["1", "К1", "К-", "", "КОНС"])
def test_bad_prefix_is_rejected(prefix: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Service(code="consult", prefix=prefix, name="Консультация")
    assert "prefix" in str(caught.value)


def test_prefix_with_digits_says_letters_only() -> None:
    message = rejected(services=[{"code": "consult", "prefix": "К1", "name": "К"}],
                       windows=[{"number": 1, "services": ["consult"]}])
    assert "prefix must be letters only" in message


def test_services_may_share_a_prefix_and_its_counter() -> None:
    services = [
        {"code": "contract", "prefix": "Д", "name": "Договор"},
        {"code": "contract_change", "prefix": "Д", "name": "Изменение договора"},
    ]
    office = Office.model_validate(
        office_data(services=services, windows=[{"number": 1, "services": ["contract"]}])
    )
    assert [s.prefix for s in office.services] == ["Д", "Д"]


def test_duplicate_service_codes_are_rejected() -> None:
    services = [
        {"code": "consult", "prefix": "К", "name": "Консультация"},
        {"code": "consult", "prefix": "Р", "name": "Снова"},
    ]
    message = rejected(services=services, windows=[{"number": 1, "services": ["consult"]}])
    assert "services: duplicate 'consult'" in message


def test_duplicate_window_numbers_are_rejected() -> None:
    windows = [{"number": 2, "services": ["consult"]}, {"number": 2, "services": ["payment"]}]
    assert "windows: duplicate 2" in rejected(windows=windows)


def test_window_serving_an_unknown_service_is_rejected() -> None:
    windows = [{"number": 3, "services": ["consult", "astrology"]}]
    assert "window 3: unknown service 'astrology'" in rejected(windows=windows)


def test_window_listing_a_service_twice_is_rejected() -> None:
    windows = [{"number": 2, "services": [{"code": "consult", "weight": 3}, "consult"]}]
    assert "window 2: duplicate 'consult'" in rejected(windows=windows)


def test_window_must_serve_at_least_one_service() -> None:
    assert "services" in rejected(windows=[{"number": 1, "services": []}])


@pytest.mark.parametrize("number", [0, -1, 1000])
def test_window_number_out_of_range_is_rejected(number: int) -> None:
    assert "number" in rejected(windows=[{"number": number, "services": ["consult"]}])


@pytest.mark.parametrize("weight", [0, -1, 101])
def test_window_weight_must_be_positive_and_bounded(weight: float) -> None:
    windows = [{"number": 1, "services": [{"code": "consult", "weight": weight}]}]
    assert "weight" in rejected(windows=windows)


def test_window_accepts_plain_codes_with_weight_one() -> None:
    window = WindowConfig.model_validate(
        {"number": 2, "services": [{"code": "consult", "weight": 2}, "payment"]}
    )
    assert window.weights == {"consult": 2.0, "payment": 1.0}


def test_unknown_timezone_is_rejected() -> None:
    assert "unknown timezone 'Mars/Olympus'" in rejected(timezone="Mars/Olympus")
    assert "unknown timezone" in rejected(timezone="../../etc/passwd")


def test_known_timezone_is_accepted() -> None:
    assert Office.model_validate(office_data(timezone="Asia/Yekaterinburg")).timezone == (
        "Asia/Yekaterinburg"
    )


def test_unknown_default_segment_is_rejected() -> None:
    assert "default_segment 'retail' is not a segment" in rejected(default_segment="retail")


def test_service_for_an_unknown_segment_is_rejected() -> None:
    services = [{"code": "consult", "prefix": "К", "name": "К", "segment": "martians"}]
    message = rejected(services=services, windows=[{"number": 1, "services": ["consult"]}])
    assert "service 'consult': unknown segment 'martians'" in message


def test_duplicate_segments_and_categories_are_rejected() -> None:
    segment = {"code": "individual", "name": "Физические лица"}
    assert "segments: duplicate 'individual'" in rejected(segments=[segment, segment])
    category = {"code": "disability", "name": "ОВЗ"}
    assert "out_of_turn: duplicate 'disability'" in rejected(out_of_turn=[category, category])


def test_unknown_key_is_rejected() -> None:
    assert "colour" in rejected(colour="blue")
    services = [{"code": "consult", "prefx": "К", "name": "К"}]
    message = rejected(services=services, windows=[{"number": 1, "services": ["consult"]}])
    assert "prefx" in message and "Extra inputs are not permitted" in message


@pytest.mark.parametrize("code", ["Consult", "консультация", "with space", "a-b", ""])
def test_codes_are_lowercase_latin_identifiers(code: str) -> None:
    with pytest.raises(ValidationError):
        Service(code=code, prefix="К", name="К")


@pytest.mark.parametrize("minutes", [0, -5, 24 * 60 + 1])
def test_targets_must_be_positive_minutes_within_a_day(minutes: float) -> None:
    assert "wait_min" in rejected(targets={"wait_min": minutes})


def test_fifo_policy_is_refused_because_out_of_turn_service_is_the_law() -> None:
    assert "policy" in rejected(dispatch={"policy": "fifo"})
    assert Office.model_validate(office_data(dispatch={"policy": "strict"})).dispatch.policy is (
        PolicyName.STRICT
    )


def test_office_is_immutable() -> None:
    office = Office.model_validate(office_data())
    with pytest.raises(ValidationError):
        office.name = "другой"  # type: ignore[misc]
    assert office.name == "ЦОК «Тестовый»"


def test_lookups_find_by_code_or_number_and_return_none_otherwise(
    demo_office: config.OfficeFile,
) -> None:
    assert demo_office.service("legal").prefix == "Ю"  # type: ignore[union-attr]
    assert demo_office.service("astrology") is None
    assert demo_office.segment("vip").wait_min == 10  # type: ignore[union-attr]
    assert demo_office.segment("martians") is None
    assert demo_office.window(1).weights == {"payment": 1.0}  # type: ignore[union-attr]
    assert demo_office.window(99) is None
    assert demo_office.category("disability") is not None
    assert demo_office.category("astronaut") is None


# --- targets: minutes in the file, seconds in the model, the tightest wins ----------------


def targets_office(**targets: float) -> Office:
    return Office.model_validate(
        office_data(
            targets=targets or {"wait_min": 20, "service_min": 10},
            segments=[
                {"code": "individual", "name": "Физ"},
                {"code": "vip", "name": "VIP", "wait_min": 10, "service_min": 8},
                {"code": "slow", "name": "Медленные", "wait_min": 40, "service_min": 30},
            ],
            services=[
                {"code": "consult", "prefix": "К", "name": "К"},
                {"code": "legal", "prefix": "Ю", "name": "Ю", "wait_min": 15,
                 "service_min": 12},
                {"code": "quick", "prefix": "Б", "name": "Б", "wait_min": 5, "service_min": 3},
            ],
            windows=[{"number": 1, "services": ["consult", "legal", "quick"]}],
        )
    )


@pytest.mark.parametrize(
    ("service", "segment", "wait_min", "service_min"),
    [
        ("consult", "individual", 20, 10),  # office defaults
        ("legal", "individual", 15, 10),  # service wait tighter, office service tighter
        ("consult", "vip", 10, 8),  # segment tighter
        ("legal", "vip", 10, 8),  # segment tighter than service
        ("quick", "vip", 5, 3),  # service tighter than segment
        ("consult", "slow", 20, 10),  # a looser segment never loosens the office target
    ],
)
def test_targets_are_the_tightest_of_office_service_and_segment_in_seconds(
    service: str, segment: str, wait_min: float, service_min: float
) -> None:
    office = targets_office()
    svc, seg = office.service(service), office.segment(segment)
    assert svc is not None and seg is not None
    assert office.wait_target(svc, seg) == wait_min * MIN
    assert office.service_target(svc, seg) == service_min * MIN


def test_office_target_tighter_than_service_wins() -> None:
    office = targets_office(wait_min=12, service_min=10)
    legal, individual = office.service("legal"), office.segment("individual")
    assert legal is not None and individual is not None
    assert office.wait_target(legal, individual) == 12 * MIN


def test_demo_office_targets_follow_the_standards(demo_office: config.OfficeFile) -> None:
    def wait(service: str, segment: str) -> float:
        svc, seg = demo_office.service(service), demo_office.segment(segment)
        assert svc is not None and seg is not None
        return demo_office.wait_target(svc, seg)

    assert wait("consult", "individual") == 20 * MIN
    assert wait("consult", "vip") == 10 * MIN
    assert wait("legal", "legal") == 15 * MIN
    consult, individual = demo_office.service("consult"), demo_office.segment("individual")
    assert consult is not None and individual is not None
    assert demo_office.service_target(consult, individual) == 10 * MIN
