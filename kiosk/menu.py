"""The touch screen's menu, built from the office document (``GET /api/v1/office``).

Pure. Topics appear in the office file's order; services that share a ``group`` become one
button that opens a second level, placed where the group's first service is. A group of one
service is shown as that service (a submenu of one button helps nobody). The out-of-turn
entry lists the office's categories; with none configured it is not shown.

Pre-booking check-in: ``check_in_available`` says yes when the office document carries a
truthy ``bookings`` entry; the page then shows «Я записан(а) заранее», whose screen takes
the booking code (``kiosk.agent.KioskAgent.check_in``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Topic:
    code: str
    prefix: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Group:
    name: str
    topics: tuple[Topic, ...]


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Menu:
    office_name: str
    office_name_en: str
    timezone: str
    items: tuple[Topic | Group, ...]
    categories: tuple[Category, ...]
    check_in: bool

    def topic(self, code: str) -> Topic | None:
        for item in self.items:
            for topic in (item.topics if isinstance(item, Group) else (item,)):
                if topic.code == code:
                    return topic
        return None

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)


def check_in_available(office: Mapping[str, Any]) -> bool:
    """Whether the office takes pre-booked visitors (``bookings`` in the office document)."""
    return bool(office.get("bookings"))


def build_menu(office: Mapping[str, Any]) -> Menu:
    items: list[Topic | list[Any]] = []
    groups: dict[str, list[Any]] = {}
    for service in office.get("services", []):
        topic = Topic(code=service["code"], prefix=service.get("prefix", ""),
                      name=service["name"], name_en=service.get("name_en") or "")
        group = service.get("group")
        if not group:
            items.append(topic)
        elif group in groups:
            groups[group][1].append(topic)
        else:
            groups[group] = [group, [topic]]
            items.append(groups[group])
    built: list[Topic | Group] = []
    for item in items:
        if isinstance(item, Topic):
            built.append(item)
        elif len(item[1]) == 1:
            built.append(item[1][0])
        else:
            built.append(Group(name=item[0], topics=tuple(item[1])))
    categories = tuple(
        Category(code=c["code"], name=c["name"], name_en=c.get("name_en") or "")
        for c in office.get("out_of_turn", [])
    )
    return Menu(
        office_name=office.get("name", ""),
        office_name_en=office.get("name_en") or "",
        timezone=office.get("timezone") or "Europe/Moscow",
        items=tuple(built),
        categories=categories,
        check_in=check_in_available(office),
    )


def menu_json(menu: Menu) -> dict[str, Any]:
    """The menu as the touch page reads it."""

    def topic(t: Topic) -> dict[str, Any]:
        return {"type": "topic", "code": t.code, "prefix": t.prefix, "name": t.name,
                "name_en": t.name_en}

    return {
        "office": {"name": menu.office_name, "name_en": menu.office_name_en},
        "items": [
            {"type": "group", "name": item.name, "topics": [topic(t) for t in item.topics]}
            if isinstance(item, Group) else topic(item)
            for item in menu.items
        ],
        "categories": [{"code": c.code, "name": c.name, "name_en": c.name_en}
                       for c in menu.categories],
        "check_in": menu.check_in,
    }
