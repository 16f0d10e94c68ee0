"""Writing the raw-export files: CSV as the contract in ``docs/raw-exports.md`` says.

UTF-8 without BOM, comma-separated, ``"`` quoting only where needed, ``\\n`` line
endings, a header row. The headers of the fixed-shape files are listed here; the
responses' headers depend on the survey codebook and are built by
:mod:`samspil.generate.surveys`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

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
        "n_institutions",
    ),
    "truth/coder_agreement.csv": (
        "justification_code",
        "planted_accuracy",
        "expected_pairwise_agreement",
        "realised_pairwise_agreement",
        "n_pairs",
    ),
    "truth/segments.csv": ("segment_id", "document_id", "frame_code", "justification_code"),
    "truth/institutions.csv": (
        "institution_code",
        "kommunekode",
        "institution_name",
        "institution_type",
        "policy_area_code",
        "coop_associations_2016",
        "coop_associations_2018",
        "coop_volunteers_2016",
        "coop_volunteers_2018",
        "n_ties_2016",
        "n_ties_2018",
    ),
    "truth/associations.csv": (
        "association_code",
        "kommunekode",
        "association_name",
        "cvr",
        "association_field_code",
        "is_national_chapter",
        "in_frame_2016",
        "in_frame_2018",
        "coop_municipal_2016",
        "coop_school_2016",
        "coop_daycare_sfo_youth_2016",
        "coop_other_institution_2016",
        "coop_administration_2016",
        "n_ties_2016",
        "n_external_2016",
        "coop_municipal_2018",
        "coop_school_2018",
        "coop_daycare_sfo_youth_2018",
        "coop_other_institution_2018",
        "coop_administration_2018",
        "n_ties_2018",
        "n_external_2018",
    ),
}
"""Header of every fixed-shape file, keyed by its path relative to the output folder."""


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
