"""Writing the raw-export files: CSV as the contract in ``docs/raw-exports.md`` says,
and CSV as Danish Excel writes it, and Excel workbooks.

``write_csv``: UTF-8 without BOM, comma-separated, ``"`` quoting only where needed, ``\\n`` line
endings, a header row. ``write_danish_csv``: semicolon-separated, CRLF, dd-mm-yyyy
dates, Windows-1252 or UTF-8 with a byte-order mark. ``write_xlsx``: one sheet,
typed cells. The headers of the fixed-shape files are listed here; the
responses' headers depend on the survey codebook and are built by
:mod:`samspil.tools.generate.surveys`.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import xlsxwriter

HEADERS: dict[str, tuple[str, ...]] = {
    "institution_survey/frame.csv": (
        "institution_code",
        "wave",
        "kommunekode",
        "institution_name",
        "institution_type",
        "policy_area_code",
        "leader_email",
        "invited_date",
    ),
    "association_survey/frame.csv": (
        "association_code",
        "wave",
        "kommunekode",
        "association_name",
        "cvr",
        "association_field_code",
        "chair_email",
        "invited_date",
    ),
    "discourse/documents.csv": (
        "document_id",
        "kommunekode",
        "document_type",
        "published_date",
        "title",
        "text",
    ),
    "discourse/segments.csv": (
        "segment_id",
        "document_id",
        "start_offset",
        "end_offset",
        "segment_text",
    ),
    "discourse/codings.csv": ("segment_id", "coder_id", "justification_code", "coded_date"),
    "cases/cases.csv": (
        "case_id",
        "kommunekode",
        "policy_area_code",
        "case_title",
        "start_date",
        "end_date",
    ),
    "cases/actors.csv": (
        "actor_id",
        "case_id",
        "actor_type",
        "actor_name",
        "cvr",
        "contact_person",
        "contact_phone",
    ),
    "cases/episodes.csv": (
        "episode_id",
        "case_id",
        "episode_date",
        "episode_type",
        "outcome",
        "summary",
    ),
    "cases/episode_participants.csv": ("episode_id", "actor_id"),
    "truth/name_variants.csv": (
        "source",
        "record_id",
        "position",
        "variant",
        "variant_kind",
        "entity_type",
        "entity_code",
    ),
    "truth/ties.csv": ("institution_code", "association_code", "first_wave", "last_wave"),
    "truth/cooperation_rates.csv": (
        "kommunekode",
        "policy_area_code",
        "planted_probability_associations",
        "planted_probability_volunteers",
        "planted_probability_cooperating",
        "n_institutions",
    ),
    "truth/published_figures.csv": ("figure_id", "planted_value", "numerator", "denominator"),
    "truth/coder_agreement.csv": (
        "justification_code",
        "planted_accuracy",
        "expected_pairwise_agreement",
        "realised_pairwise_agreement",
        "n_pairs",
    ),
    "truth/coder_reliability.csv": (
        "level",
        "subject",
        "statistic",
        "unit_count",
        "expected_value",
        "realised_value",
    ),
    "truth/segments.csv": ("segment_id", "document_id", "frame_code", "justification_code"),
}
"""Header of every fixed-shape file, keyed by its path relative to the output folder
(those with a column per wave: :func:`truth_headers`)."""

TRUTH_INSTITUTION_KEYS = ("coop_associations", "coop_volunteers", "n_ties")
"""What ``truth/institutions.csv`` says of each institution, one column per wave."""
TRUTH_ASSOCIATION_KEYS = (
    "coop_municipal",
    "coop_school",
    "coop_daycare_sfo_youth",
    "coop_other_institution",
    "coop_administration",
    "n_ties",
    "n_external",
)
"""What ``truth/associations.csv`` says of each association, one column per wave."""


def truth_headers(waves: Sequence[int]) -> dict[str, tuple[str, ...]]:
    """Header of the truth files with a column per survey wave of ``waves``."""
    return {
        "truth/institutions.csv": (
            "institution_code",
            "kommunekode",
            "institution_name",
            "institution_type",
            "policy_area_code",
            *[f"{key}_{wave}" for key in TRUTH_INSTITUTION_KEYS for wave in waves],
        ),
        "truth/associations.csv": (
            "association_code",
            "kommunekode",
            "association_name",
            "cvr",
            "association_field_code",
            "is_national_chapter",
            *[f"in_frame_{wave}" for wave in waves],
            *[f"{key}_{wave}" for wave in waves for key in TRUTH_ASSOCIATION_KEYS],
        ),
    }


def write_csv(
    out_dir: Path, relative: str, header: Sequence[str], rows: Iterable[Sequence[str]]
) -> int:
    """Write one CSV file; returns the number of data rows written."""
    path = out_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        for row in rows:
            if len(row) != len(header):
                raise ValueError(f"{relative}: row has {len(row)} fields, header {len(header)}")
            writer.writerow(row)
            count += 1
    return count


def write_json(out_dir: Path, relative: str, data: dict[str, object]) -> int:
    """Write a JSON file with sorted keys; returns 1 (one document)."""
    path = out_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    return 1


# Danish Excel ("CSV (semikolonsepareret)") writes Windows-1252; these tables are
# configured `meta: {csv: {encoding: cp1252}}` in their sources YAML. Every other
# table is written as Excel's "CSV UTF-8": UTF-8 with a byte-order mark (the
# discourse texts hold characters Windows-1252 does not have).
DANISH_CSV_CP1252 = frozenset({"association_survey/frame", "association_survey/responses"})

ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
ISO_TIMESTAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})")
# Digits Excel keeps as a number without losing anything: no leading zero, 15 digits at most.
PLAIN_NUMBER = re.compile(r"0|[1-9][0-9]{0,14}")

XLSX_SHEET = "Ark1"  # Danish Excel's name of the first sheet
XLSX_CREATED = datetime(2016, 1, 1)  # fixed document properties: same rows, same bytes


def _danish(value: str) -> str:
    """A value as Danish Excel writes it: dates dd-mm-yyyy, timestamps dd-mm-yyyy hh:mm:ss."""
    if match := ISO_TIMESTAMP.fullmatch(value):
        year, month, day, time = match.groups()
        return f"{day}-{month}-{year} {time}"
    if match := ISO_DATE.fullmatch(value):
        year, month, day = match.groups()
        return f"{day}-{month}-{year}"
    return value


def write_danish_csv(
    out_dir: Path, relative: str, header: Sequence[str], rows: Iterable[Sequence[str]]
) -> int:
    """Write one CSV file as Danish Excel does: `;`, CRLF, dd-mm-yyyy, cp1252 or UTF-8 + BOM."""
    path = out_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    table = relative.rsplit(".", 1)[0]
    encoding = "cp1252" if table in DANISH_CSV_CP1252 else "utf-8-sig"
    count = 0
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            if len(row) != len(header):
                raise ValueError(f"{relative}: row has {len(row)} fields, header {len(header)}")
            writer.writerow([_danish(value) for value in row])
            count += 1
    return count


def write_xlsx(
    out_dir: Path, relative: str, header: Sequence[str], rows: Iterable[Sequence[str]]
) -> int:
    """Write one table as an Excel workbook, one sheet `Ark1`, cells typed as Excel types them.

    Whole numbers without a leading zero are numbers, dates and timestamps are
    date cells (shown dd-mm-yyyy), everything else is text (`0461` stays text);
    an empty value is an empty cell.
    """
    path = out_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    workbook.set_properties({"created": XLSX_CREATED})
    sheet = workbook.add_worksheet(XLSX_SHEET)
    date_format = workbook.add_format({"num_format": "dd-mm-yyyy"})
    timestamp_format = workbook.add_format({"num_format": "dd-mm-yyyy hh:mm:ss"})
    for column, name in enumerate(header):
        sheet.write_string(0, column, name)
    count = 0
    for number, row in enumerate(rows, start=1):
        if len(row) != len(header):
            raise ValueError(f"{relative}: row has {len(row)} fields, header {len(header)}")
        for column, value in enumerate(row):
            if value == "":
                continue
            if PLAIN_NUMBER.fullmatch(value):
                sheet.write_number(number, column, int(value))
            elif ISO_TIMESTAMP.fullmatch(value):
                sheet.write_datetime(
                    number, column, datetime.fromisoformat(value), timestamp_format
                )
            elif ISO_DATE.fullmatch(value):
                sheet.write_datetime(number, column, datetime.fromisoformat(value), date_format)
            else:
                sheet.write_string(number, column, value)
        count += 1
    workbook.close()
    return count
