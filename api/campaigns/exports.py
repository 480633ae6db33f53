"""A campaign's insights as CSV and XLSX: the same figures as the API, through the one writer
of the year's exports (api/totals/exports.py). A hidden breakdown reads "färre än 10 samtal"."""

from typing import Any

from api.totals.exports import Section, sections_csv, sections_xlsx

HIDDEN = "färre än 10 samtal"

FIGURE_HEADERS = ["Samtal", "Dörrar", "Nya medlemmar", "Samtal med ämne", "Andel med ämne"]

SECTIONS: list[Section] = [
    ("groups", "Översikt", ["Grupp", *FIGURE_HEADERS]),
    ("weeks", "Per vecka", ["Vecka (måndag)", *FIGURE_HEADERS]),
    ("topics", "Ämnen", ["Grupp", "Ämne", "Samtal", "Andel av samtalen"]),
    ("answers", "Svar på frågan", ["Grupp", "Svar", "Antal", "Andel av svaren"]),
]


def _figures(row: dict[str, Any]) -> list[Any]:
    hidden = row["suppressed"]
    return [
        row["conversations"],
        row["doors"],
        row["members"],
        HIDDEN if hidden else row["with_topic"],
        None if hidden else row["share_with_topic"],
    ]


def scope_name(body: dict[str, Any]) -> str:
    scope = body["scope"]
    if scope["level"] == "distrikt":
        return "Distriktet"
    if scope["level"] == "ak":
        return str(scope["ak_name"])
    return f"{scope['name']} ({scope['code']})"


def named_groups(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every group the insights show, named as the report names them, in the report's order."""
    groups = [(scope_name(body), body["summary"])]
    if body["compare"].get("ak"):
        groups.append((str(body["scope"]["ak_name"]), body["compare"]["ak"]))
    if body["compare"].get("distrikt"):
        groups.append(("Distriktet", body["compare"]["distrikt"]))
    previous = body["compare"].get("previous")
    if previous:
        groups.append((f"Förra kampanjen: {previous['name']}", previous))
    for row in body.get("aks", []):
        groups.append((str(row["name"]), row))
    for row in body.get("districts", []):
        groups.append((f"{row['name']} ({row['code']})", row))
    return groups


def tables(body: dict[str, Any]) -> dict[str, list[list[Any]]]:
    groups = named_groups(body)
    topics: list[list[Any]] = []
    answers: list[list[Any]] = []
    for name, row in groups:
        if row["suppressed"]:
            topics.append([name, HIDDEN, None, None])
            answers.append([name, HIDDEN, None, None])
            continue
        topics += [[name, t["label"], t["n"], t["share"]] for t in row["topics"]]
        answers += [[name, a["label"], a["n"], a["share"]] for a in row["answers"]]
    return {
        "groups": [[name, *_figures(row)] for name, row in groups],
        "weeks": [[str(w["week"]), *_figures(w)] for w in body["weeks"]],
        "topics": topics,
        "answers": answers,
    }


def title(body: dict[str, Any]) -> str:
    return f"Knacka – {body['campaign']['name']} – {scope_name(body)}"


def to_csv(body: dict[str, Any]) -> bytes:
    return sections_csv(title(body), SECTIONS, tables(body))


def to_xlsx(body: dict[str, Any]) -> bytes:
    return sections_xlsx(title(body), SECTIONS, tables(body))
