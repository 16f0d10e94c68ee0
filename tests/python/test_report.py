"""`samspil report`: the findings report, opened by a real browser, and its numbers checked
against the release tables they come from (the report reads the release file only)."""

from __future__ import annotations

import contextlib
import html
import json
import math
import re
import shutil
import socket
import subprocess
import threading
from collections import Counter
from pathlib import Path

import duckdb
import pandas
import pytest
from matplotlib import image as matplotlib_image
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from samspil.paths import release_file
from samspil.report import draw
from samspil.report.figures import FIGURES
from samspil.report.figures.common import SUPPRESSED, Finding

from conftest import Build, project_copy, run_samspil

WINDOW = (1280, 4000)
PROBE_URL = "http://samspil-probe.invalid/figure.png"
# Measures every inlined figure once the page has laid out: its box on the page and the
# box of what was drawn in it. Only in the test's copy of the page; the report has no script.
PROBE_SCRIPT = """
<script>
const sizes = [...document.querySelectorAll("figure > svg")].map((svg) => {
  const box = svg.getBoundingClientRect();
  const drawn = svg.getBBox();
  return [box.width, box.height, drawn.width, drawn.height];
});
const probe = document.createElement("pre");
probe.id = "probe";
probe.textContent = JSON.stringify(sizes);
document.body.appendChild(probe);
</script>
"""


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def rendered(demo_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`samspil report` of the demo build, by the real CLI."""
    out = tmp_path_factory.mktemp("report") / "report"
    result = run_samspil("report", "--out", str(out), warehouse=demo_build.warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="module")
def findings(demo_build: Build) -> dict[str, Finding]:
    """The report's figures with the data each plotted, drawn from the demo build."""
    drawn, _ = draw(release_file(demo_build.warehouse))
    return {finding.name: finding for finding in drawn}


# ---------------------------------------------------------------------------- the browser


def _browser() -> str:
    """The real Chromium binary; Debian's `chromium` wrapper adds Google API keys and
    extensions, so the binary it starts is used when it is there."""
    binary = Path("/usr/lib/chromium/chromium")
    if binary.is_file():
        return str(binary)
    found = shutil.which("chromium")
    if found:
        return found
    pytest.fail("no chromium: `apt-get install -y chromium` (make test does it) to run this test")


class RefusingProxy:
    """The only way out of the browser: a local proxy that refuses every request and
    records its first line (`GET http://…` or `CONNECT host:443`)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._refuse, args=(connection,), daemon=True).start()

    def _refuse(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            try:
                first = connection.recv(65536).split(b"\r\n", 1)[0]
            except OSError:  # a preconnect that never sent a request
                return
            if first:
                self.requests.append(first.decode("latin-1"))
                with contextlib.suppress(OSError):
                    connection.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    def __enter__(self) -> RefusingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._server.close()


def _url_requests(net_log: Path) -> list[dict]:
    """Every URL request Chromium's own NetLog recorded, with the page it was made for."""
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        event["params"]
        for event in log["events"]
        if event["type"] == start and "url" in event.get("params", {})
    ]


def _made_by_the_page(request: dict) -> bool:
    """A request on behalf of a file:// page (its network partition is the file's site),
    not one of the browser's own (sign-in, search preconnects)."""
    return request.get("initiator") == "null" or request.get(
        "network_isolation_key", ""
    ).startswith("file://")


def _open(page: Path, folder: Path, *arguments: str) -> tuple[str, list[str], list[dict]]:
    """Open `page` in headless Chromium whose only network is the refusing proxy; the DOM
    or screenshot as `arguments` ask, what reached the proxy, and the NetLog's requests."""
    folder.mkdir(parents=True, exist_ok=True)
    net_log = folder / "netlog.json"
    with RefusingProxy() as proxy:
        result = subprocess.run(
            [
                _browser(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={folder / 'profile'}",
                f"--proxy-server=http://127.0.0.1:{proxy.port}",
                "--proxy-bypass-list=<-loopback>",
                f"--log-net-log={net_log}",
                *arguments,
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, proxy.requests, _url_requests(net_log)


def _host(line: str) -> str:
    """The host of a proxy request line: `CONNECT host:443 …` or `GET http://host/… …`."""
    target = line.split(" ")[1]
    return re.sub(r"^[a-z]+://", "", target).split("/")[0].split(":")[0]


def _assert_nothing_left_for_the_page(proxy: list[str], requests: list[dict]) -> None:
    page_requests = [request["url"] for request in requests if _made_by_the_page(request)]
    assert page_requests == []
    browser_hosts = {_host("GET " + request["url"]) for request in requests}
    assert {_host(line) for line in proxy} <= browser_hosts


def test_the_browser_check_sees_a_request_of_the_page(tmp_path: Path) -> None:
    """The observation below is real: a page with a remote image is caught by both the
    NetLog and the proxy."""
    page = tmp_path / "remote.html"
    page.write_text(f'<html><body><img src="{PROBE_URL}"></body></html>', encoding="utf-8")
    _, proxy, requests = _open(page, tmp_path / "browser", "--dump-dom")
    assert [request["url"] for request in requests if _made_by_the_page(request)] == [PROBE_URL]
    assert f"GET {PROBE_URL} HTTP/1.1" in proxy


def test_report_opens_offline_with_every_figure_drawn(rendered: Path, tmp_path: Path) -> None:
    index = rendered / "index.html"
    page = index.read_text(encoding="utf-8")
    assert "<script" not in page
    assert re.findall(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//""", page) == []

    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", PROBE_SCRIPT + "</body>"), encoding="utf-8")
    dom, proxy, requests = _open(probe, tmp_path / "dom", "--dump-dom")
    _assert_nothing_left_for_the_page(proxy, requests)
    sizes = json.loads(html.unescape(re.search(r'<pre id="probe">(.*?)</pre>', dom).group(1)))
    assert len(sizes) == len(FIGURES)
    for width, height, drawn_width, drawn_height in sizes:
        assert width > 300 and height > 150
        assert drawn_width > 0 and drawn_height > 0

    screenshot = tmp_path / "report.png"
    _, proxy, requests = _open(
        index,
        tmp_path / "screenshot",
        f"--screenshot={screenshot}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    )
    _assert_nothing_left_for_the_page(proxy, requests)
    print(f"screenshot of the report: {screenshot}")
    pixels = matplotlib_image.imread(screenshot)
    assert pixels.shape[:2] == (WINDOW[1], WINDOW[0])
    assert pixels[..., :3].std() > 0.05  # not a blank page


def test_report_has_provenance_and_every_figure_as_png_and_svg(
    demo_build: Build, rendered: Path
) -> None:
    page = (rendered / "index.html").read_text(encoding="utf-8")
    for (sha256,) in demo_build.query("select sha256 from audit.load_audit"):
        assert sha256 in page
    run_id, total, passed = demo_build.query(
        "select run_id, count(*), count(*) filter (where success) "
        "from validation.expectation_results group by run_id order by max(run_at) desc limit 1"
    )[0]
    assert run_id in page
    assert f"{total} expectations" in page and f"{passed} passed" in page
    # The release file and the dbt docs lie outside the project: named, their folders (a
    # home folder's name) not, nor linked through them.
    assert release_file(demo_build.warehouse).name in page
    assert "dbt docs (<code>static_index.html</code>" in page
    assert str(demo_build.warehouse.parent) not in page and "dbt docs</a>" not in page
    names = sorted(path.stem for path in (rendered / "figures").glob("*.png"))
    assert names == sorted(path.stem for path in (rendered / "figures").glob("*.svg"))
    assert len(names) == len(FIGURES)
    for name in names:
        assert matplotlib_image.imread(rendered / "figures" / f"{name}.png").shape[0] > 300
        assert f'<section id="{name}">' in page
        assert f'href="figures/{name}.png"' in page and f'href="figures/{name}.svg"' in page


def test_same_warehouse_same_report(demo_build: Build, rendered: Path, tmp_path: Path) -> None:
    """A second report of the warehouse, in the default folder of a project that holds the
    dbt docs, has the same files as the first (written outside the project), but for how
    the page refers to the docs: from inside, a link relative to the report (a copy of the
    project keeps it working); from outside, their name."""
    project = project_copy(tmp_path)
    (project / "target").mkdir()
    shutil.copy(demo_build.target / "static_index.html", project / "target")
    result = run_samspil(
        "report",
        warehouse=demo_build.warehouse,
        environment={
            "SAMSPIL_PROJECT_DIR": str(project),
            "DBT_TARGET_PATH": str(project / "target"),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    again = project / "report"
    assert (again / "../target/static_index.html").is_file()

    def files(folder: Path) -> dict[str, bytes]:
        return {
            path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*"))
            if path.is_file()
        }

    first, second = files(rendered), files(again)
    docs = b"../target/static_index.html"
    linked = b'<a href="' + docs + b'">dbt docs</a> (<code>' + docs + b"</code>)"
    named = b"dbt docs (<code>static_index.html</code>, written by <code>samspil build</code>)"
    assert linked in second["index.html"] and named in first["index.html"]
    assert first == {**second, "index.html": second["index.html"].replace(linked, named)}


def test_report_refuses_a_foreign_folder_and_a_missing_or_stale_warehouse(
    demo_build: Build, rendered: Path, tmp_path: Path
) -> None:
    other = tmp_path / "thesis"
    other.mkdir()
    (other / "chapter1.tex").write_text("precious\n", encoding="utf-8")
    refused = run_samspil("report", "--out", str(other), warehouse=demo_build.warehouse)
    assert refused.returncode == 1
    assert "is not a samspil report; choose another --out or remove it." in refused.stderr
    assert (other / "chapter1.tex").read_text(encoding="utf-8") == "precious\n"

    missing = run_samspil("report", "--out", str(rendered), warehouse=tmp_path / "none.duckdb")
    assert missing.returncode == 1
    assert "none_release.duckdb: no published warehouse; run `samspil build` first." in (
        missing.stderr
    )
    assert (rendered / "index.html").is_file()  # the last report stays

    stale = tmp_path / "stale.duckdb"
    with duckdb.connect(str(release_file(stale))) as connection:
        for schema in ("release", "reference"):
            connection.execute(f"create schema {schema}")
    refused = run_samspil("report", "--out", str(rendered), warehouse=stale)
    assert refused.returncode == 1
    assert "stale_release.duckdb: Catalog Error" in refused.stderr
    assert "run `samspil build` to publish it again." in refused.stderr
    assert "Traceback" not in refused.stderr


# ---------------------------------------------------------------------------- the numbers


def _value(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float):
        return round(value, 9)
    return value


def _rows(frame: pandas.DataFrame, keys: list[str], values: list[str]) -> dict[tuple, tuple]:
    return {
        tuple(_value(row[key]) for key in keys): tuple(_value(row[value]) for value in values)
        for row in frame.to_dict("records")
    }


def _query(build: Build, sql: str, key_count: int) -> dict[tuple, tuple]:
    """An independent query of the mart: its first `key_count` columns are the key."""
    return {
        tuple(_value(value) for value in row[:key_count]): tuple(
            _value(value) for value in row[key_count:]
        )
        for row in build.query(sql)
    }


def _texts(figure: Figure) -> list[str]:
    return [text.get_text() for text in figure.findobj(Text)]


def _points(figure: Figure) -> list[float]:
    """x of every plotted estimate (the round markers of the error bars)."""
    return sorted(
        round(float(line.get_xdata()[0]), 9)
        for axes in figure.axes
        for line in axes.lines
        if isinstance(line, Line2D) and line.get_marker() == "o" and len(line.get_xdata()) == 1
    )


def _check_suppressed(finding: Finding, value_columns: list[str]) -> None:
    """A suppressed cell has no value in what was plotted, and is drawn labelled as such."""
    suppressed = finding.data[finding.data["is_suppressed"]]
    assert suppressed[value_columns].isna().all().all()
    assert _texts(finding.figure).count(SUPPRESSED) == len(suppressed)


def test_cooperation_figure_shows_the_marts(demo_build: Build, findings: dict) -> None:
    finding = findings["cooperation_by_municipality_area"]
    values = ["weighted_share", "ci_lower", "ci_upper", "is_suppressed"]
    expected = _query(
        demo_build,
        """
        select
            case construct when 'coop_associations' then 'associations' else 'volunteers' end,
            kommunekode, policy_area_code, wave, estimate, ci_lower, ci_upper, is_suppressed
        from release.rpt_cooperation_by_municipality_area
        union all
        select
            case construct when 'coop_associations' then 'associations' else 'volunteers' end,
            kommunekode, 'all', wave, estimate, ci_lower, ci_upper, is_suppressed
        from release.rpt_cooperation_by_municipality
        """,
        4,
    )
    keys = ["measure", "kommunekode", "policy_area_code", "wave"]
    assert _rows(finding.data, keys, values) == expected
    shown = [value[0] for value in expected.values() if not value[3]]
    assert _points(finding.figure) == sorted(shown)
    assert any(value[3] for value in expected.values()), "the demo has suppressed cells"
    _check_suppressed(finding, ["weighted_share", "ci_lower", "ci_upper"])


def test_attitudes_figure_shows_the_mart(demo_build: Build, findings: dict) -> None:
    finding = findings["attitudes_by_sector"]
    values = [
        "weighted_mean_agreement",
        "mean_agreement_ci_lower",
        "mean_agreement_ci_upper",
        "is_suppressed",
    ]
    expected = _query(
        demo_build,
        "select construct, survey, wave, estimate, ci_lower, ci_upper, is_suppressed "
        "from release.rpt_attitudes_by_sector where statistic = 'mean'",
        3,
    )
    assert _rows(finding.data, ["construct", "survey", "wave"], values) == expected
    assert _points(finding.figure) == sorted(v[0] for v in expected.values() if not v[3])
    _check_suppressed(finding, values[:3])


def test_justification_frames_figure_shows_the_mart(demo_build: Build, findings: dict) -> None:
    finding = findings["justification_frames"]
    expected = _query(
        demo_build,
        """
        select frame_code, kommunekode, document_type, publication_year,
            frame_segment_share, is_suppressed
        from release.rpt_justification_frames
        """,
        4,
    )
    keys = ["frame_code", "kommunekode", "document_type", "publication_year"]
    assert _rows(finding.data, keys, ["frame_segment_share", "is_suppressed"]) == expected
    numbers = Counter(text for text in _texts(finding.figure) if re.fullmatch(r"\d\.\d\d", text))
    assert numbers == Counter(f"{share:.2f}" for share, hidden in expected.values() if not hidden)
    _check_suppressed(finding, ["frame_segment_share"])


def test_tie_reciprocity_figure_shows_the_release_table(demo_build: Build, findings: dict) -> None:
    finding = findings["tie_reciprocity"]
    values = ["share_reciprocated_when_both_responded", "is_suppressed"]
    expected = _query(
        demo_build,
        "select kommunekode, wave, share_reciprocated_when_both_responded, is_suppressed "
        "from release.rpt_tie_reciprocity",
        2,
    )
    assert _rows(finding.data, ["kommunekode", "wave"], values) == expected
    bars = sorted(
        round(patch.get_height(), 9)
        for axes in finding.figure.axes
        for patch in axes.patches
        if isinstance(patch, Rectangle) and patch.get_hatch() is None
    )
    assert bars == sorted(share for share, hidden in expected.values() if not hidden)
    _check_suppressed(finding, ["share_reciprocated_when_both_responded"])


def test_case_timelines_figure_shows_the_mart(demo_build: Build, findings: dict) -> None:
    finding = findings["case_timelines"]
    values = ["case_count", "episode_count", "episodes_per_case", "is_suppressed"]
    expected = _query(
        demo_build,
        f"select episode_type, quarter_index, {', '.join(values)} from release.rpt_case_timelines",
        2,
    )
    assert _rows(finding.data, ["episode_type", "quarter_index"], values) == expected
    numbers = Counter(text for text in _texts(finding.figure) if text.endswith("per case"))
    assert numbers == Counter(
        f"{episodes}\n{per_case:.1f} per case"
        for _, episodes, per_case, hidden in expected.values()
        if not hidden
    )
    _check_suppressed(finding, ["episode_count", "episodes_per_case"])


def test_reliability_figure_shows_the_mart(demo_build: Build, findings: dict) -> None:
    finding = findings["intercoder_reliability"]
    expected = _query(
        demo_build,
        "select reliability_id, krippendorff_alpha, is_suppressed "
        "from release.rpt_intercoder_reliability",
        1,
    )
    assert _rows(finding.data, ["reliability_id"], ["krippendorff_alpha", "is_suppressed"]) == (
        expected
    )
    bars = sorted(
        round(patch.get_width(), 9)
        for axes in finding.figure.axes
        for patch in axes.patches
        if isinstance(patch, Rectangle) and patch.get_hatch() is None
    )
    assert bars == sorted(alpha for alpha, hidden in expected.values() if not hidden)
    _check_suppressed(finding, ["krippendorff_alpha"])


def test_panel_change_figure_shows_the_mart(demo_build: Build, findings: dict) -> None:
    finding = findings["panel_change"]
    values = ["change", "change_ci_lower", "change_ci_upper", "is_suppressed"]
    expected = _query(
        demo_build,
        "select survey_item_id, kommunekode, estimate, ci_lower, ci_upper, is_suppressed "
        "from release.rpt_panel_change where domain_level = 'municipality'",
        2,
    )
    assert _rows(finding.data, ["survey_item_id", "kommunekode"], values) == expected
    assert _points(finding.figure) == sorted(v[0] for v in expected.values() if not v[3])
    _check_suppressed(finding, values[:3])


def test_every_figure_has_a_reading_and_its_sources(findings: dict) -> None:
    assert len(findings) == len(FIGURES)
    for finding in findings.values():
        assert finding.reading and "\n" not in finding.reading
        assert finding.sources
        for source in finding.sources:
            assert source.startswith(("release.", "reference."))
