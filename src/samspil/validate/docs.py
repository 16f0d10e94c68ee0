"""GX Data Docs that render offline.

The stock pages load Bootstrap, jQuery, Popper, Bootstrap-Table, the
datepicker and Font Awesome from public CDNs, and GX's logo from a web bucket
(with the data context id in the query string); GX offers no supported way to
change those links. Researchers open the docs where there may be no network, so
the exact files those URLs serve are vendored in `gx/static/vendor/` (see
gx/README.md), copied into the site after every build, and every link to them
is rewritten to a relative path. What the validation pages never use is dropped
from them instead: Vega (it draws only charts of profiling results and of two
expectation types the suites do not use) and the dark-mode stylesheet. A page
that still loads anything from the network after that is a bug:
`build_data_docs` raises.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from samspil.validate.context import open_context

SITE = "local_site"

VENDORED: dict[str, str] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css":
        "bootstrap@4.3.1/dist/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js":
        "bootstrap@4.3.1/dist/js/bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js":
        "jquery@3.7.1/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js":
        "popper.js@1.12.9/dist/umd/popper.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "@fortawesome/fontawesome-free@6.6.0/css/all.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker@1.9.0/dist/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker@1.9.0/dist/js/bootstrap-datepicker.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table@1.19.1/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
}  # fmt: skip
"""CDN URL in GX's pages -> vendored file under gx/static/vendor/ (npm package@version/path)."""

DROPPED = (
    "https://cdn.jsdelivr.net/npm/vega@5",
    "https://cdn.jsdelivr.net/npm/vega-lite@5",
    "https://cdn.jsdelivr.net/npm/vega-embed@6",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css",
)
"""CDN URLs in GX's pages whose tags are removed: nothing in the validation pages uses them."""

# GX's logo, loaded from a web bucket with the data context id in the query
# string: served from the site's own copy instead.
GX_LOGO = re.compile(
    r"https://great-expectations-web-assets\.s3[^\"')\s]*?/([\w-]+\.png)[^\"')\s]*"
)
LOCAL_LOGO = "static/images/logo-long.png"

# Attributes and CSS that make a browser fetch something (links a reader clicks are fine).
LOADS = re.compile(
    r"<(?:script|img|iframe|source)\b[^>]*\bsrc=[\"'](https?://[^\"']+)"
    r"|<link\b[^>]*\bhref=[\"'](https?://[^\"']+)"
    r"|url\(\s*[\"']?(https?://[^\"')]+)"
    r"|@import\s+[\"'](https?://[^\"']+)",
    re.IGNORECASE,
)


class DataDocsError(Exception):
    """The Data Docs still load something from the network."""


def build_data_docs(gx_root: Path, run_name: str | None = None) -> Path:
    """Build GX Data Docs to `gx_root`/gx/uncommitted/data_docs/local_site/, offline; its
    index.html.

    With `run_name` (the run an incremental build just made, its suites unchanged; "" if it
    validated nothing) and a site already there, only that run's pages, those of kept results
    without a page (their failing values were removed since, `samspil.validate.run`) and the
    index are rendered, and the pages of runs no longer kept are removed; otherwise the whole
    site is built afresh.
    """
    context = open_context(gx_root)
    site = gx_root / "gx" / "uncommitted" / "data_docs" / SITE
    if run_name is None or not (site / "index.html").is_file():
        shutil.rmtree(site, ignore_errors=True)  # no pages of validation results pruned since
        context.build_data_docs(site_names=[SITE])
    else:
        results = gx_root / "gx" / "uncommitted" / "validations"
        for pages in (site / "validations").glob("*/*"):
            if not (results / pages.relative_to(site / "validations")).is_dir():
                shutil.rmtree(pages)
        keys = [
            key
            for key in context.validation_results_store.list_keys()
            if key.run_id.run_name == run_name or not page_of(site, key.to_tuple()).is_file()
        ]
        if keys:
            context.build_data_docs(site_names=[SITE], resource_identifiers=keys)
    make_offline(site, gx_root / "gx" / "static" / "vendor")
    return site / "index.html"


def page_of(site: Path, key: tuple[str, ...]) -> Path:
    """The page of a stored result, by its key: suite, run name, run time, batch."""
    *folders, batch = key
    return site.joinpath("validations", *folders, f"{batch}.html")


def make_offline(site: Path, vendor: Path) -> None:
    """Copy the vendored files into `site` and point every page at them."""
    shutil.copytree(vendor, site / "static" / "vendor", dirs_exist_ok=True)
    for page in site.rglob("*.html"):
        page.write_text(_rewrite(page.read_text(encoding="utf-8"), page, site), encoding="utf-8")
    for sheet in (site / "static").rglob("*.css"):
        text = sheet.read_text(encoding="utf-8")
        rewritten = GX_LOGO.sub(_relative(site / LOCAL_LOGO, sheet), text)
        if rewritten != text:
            sheet.write_text(rewritten, encoding="utf-8")
    remaining = external_loads(site)
    if remaining:
        listing = ", ".join(sorted({url for _, url in remaining}))
        raise DataDocsError(
            f"Data Docs in {site} still load from the network: {listing}; vendor the file(s) "
            "in gx/static/vendor and add them to samspil.validate.docs.VENDORED"
        )


def _relative(target: Path, page: Path) -> str:
    return Path(os.path.relpath(target, page.parent)).as_posix()


# A relative link into the site's static/ folder; GX gets the depth wrong for the
# favicon of validation pages (one ../ short), so every such link is recomputed.
STATIC_LINK = re.compile(r"(?<=[\"'])(?:\.\./)*static/")


def _rewrite(html: str, page: Path, site: Path) -> str:
    for url in DROPPED:
        html = re.sub(
            rf"<(script|link)\b[^>]*\b(?:src|href)=\"{re.escape(url)}\"[^>]*>(</script>)?\s*",
            "",
            html,
        )
    for url, path in VENDORED.items():
        local = f"static/vendor/{path}"
        html = html.replace(f'"{url}"', f'"{local}"').replace(f"'{url}'", f"'{local}'")
    html = GX_LOGO.sub(LOCAL_LOGO, html)
    return STATIC_LINK.sub(_relative(site / "static", page) + "/", html)


def external_loads(site: Path) -> list[tuple[Path, str]]:
    """Every (file, URL) in the site that a browser would fetch from the network."""
    found = []
    for path in [*site.rglob("*.html"), *site.rglob("*.css")]:
        if "vendor" in path.relative_to(site).parts:
            continue
        for match in LOADS.finditer(path.read_text(encoding="utf-8", errors="replace")):
            found.append((path, next(group for group in match.groups() if group)))
    return found
