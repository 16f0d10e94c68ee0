"""The cases strand of a REFI-QDA project: cases, actors, episodes and episode participants
(what becomes a row of which table: :mod:`samspil.load.qdpx`)."""

from __future__ import annotations

from samspil.load.qdpx.reader import NS, Reader, blank, guid_key

_CASE_COLUMNS = ("kommunekode", "policy_area_code", "case_title", "start_date", "end_date")
_ACTOR_COLUMNS = ("case_id", "actor_type", "actor_name", "cvr")
_EPISODE_COLUMNS = ("case_id", "episode_date", "episode_type", "outcome")


class CasesReader(Reader):
    """Cases, actors, episodes and participants from a project's cases and sources."""

    def read_strand(self) -> None:
        episodes = self.tables["episodes"]
        source_names: dict[str | None, str | None] = {}
        for source in self.root.iterfind(f"{NS}Sources/{NS}TextSource"):
            line = source.sourceline or 0
            episode_id = self.source_id(source)
            source_names[guid_key(source.get("guid"))] = episode_id
            values = self.variable_values(source)
            text, why = self.source_text(source)
            row = [episode_id, *(values.get(name) for name in _EPISODE_COLUMNS), blank(text)]
            index = episodes.add(line, row)
            if why is not None and source.get("plainTextPath") is not None:
                episodes.flag(index, "summary", f"episode {episode_id}: {why}")
        participants = self.tables["episode_participants"]
        for case in self.root.iterfind(f"{NS}Cases/{NS}Case"):
            line = case.sourceline or 0
            name = blank(case.get("name")) or case.get("guid")
            values = self.variable_values(case)
            if not any(values.get(column) for column in _ACTOR_COLUMNS):
                row = [name, *(values.get(column) for column in _CASE_COLUMNS)]
                self.tables["cases"].add(line, row)
                continue
            row = [name, *(values.get(column) for column in _ACTOR_COLUMNS), None, None]
            self.tables["actors"].add(line, row)
            for reference in case.iterfind(f"{NS}SourceRef"):
                target = reference.get("targetGUID")
                episode_id = source_names.get(guid_key(target))
                at = reference.sourceline or 0
                if episode_id is None:
                    index = participants.add(at, [f"<unknown source {target}>", name])
                    participants.flag(
                        index,
                        "episode_id",
                        f"actor {name} took part in source {target}, not in the project",
                    )
                else:
                    participants.add(at, [episode_id, name])
        for stem, table in self.tables.items():
            if not table.records:
                table.findings.append(
                    f"no {stem}: the project holds no element the strand reads as one "
                    f"(see docs/raw-exports.md, cases/cases.qdpx)"
                )
