"""The report in a real browser (headless Chromium): loads offline and cleanly, every figure drawn.

A screenshot of each section is saved under ``build/test-artifacts/report/`` (or
``$CRM_TEST_ARTIFACTS/report``). ``CRM_UPDATE_README_SCREENSHOT=1`` also rewrites the
README's small screenshot, ``docs/report.png``.
"""

from __future__ import annotations

import io
import os
import re

import pytest

from crm_analytics.report import build, report_sections
from tests.report.conftest import ARTIFACTS, REPO

pytest.importorskip("jinja2", reason="jinja2 is not installed (the report extra)")
Image = pytest.importorskip("PIL.Image", reason="Pillow is not installed")

# Pairs of SVG text boxes of one figure that intersect by more than this many square pixels.
_OVERLAPS = """(figure) => {
  const boxes = Array.from(figure.querySelectorAll("svg text"))
    .filter((text) => text.textContent.trim() !== "")
    .map((text) => [text.textContent.trim(), text.getBoundingClientRect()]);
  const found = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, r] = boxes[i], [b, s] = boxes[j];
      const width = Math.min(r.right, s.right) - Math.max(r.left, s.left);
      const height = Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top);
      if (width > 0 && height > 0 && width * height > 4) { found.push([a, b]); }
    }
  }
  return found;
}"""


@pytest.fixture(scope="module")
def loaded(browser, shop_report, tmp_path_factory):
    """The shop's report opened from a file, with every console message and request seen."""
    scored, inputs = shop_report
    path = tmp_path_factory.mktemp("report") / "report.html"
    build(scored, path, inputs=inputs)
    page = browser.new_page()
    messages, errors, requests = [], [], []
    page.on("console", lambda message: messages.append((message.type, message.text)))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri(), wait_until="load")
    yield page, path, messages, errors, requests
    page.close()


def test_loads_without_errors_or_network_requests(loaded):
    page, path, messages, errors, requests = loaded
    assert errors == []
    assert [text for kind, text in messages if kind in ("error", "warning")] == []
    assert requests == [path.as_uri()]


def test_every_figure_is_drawn_and_no_text_overlaps(loaded, shop_report):
    page, *_ = loaded
    expected = [
        figure.key for section in report_sections(*shop_report) for figure in section.figures
    ]
    figures = page.query_selector_all("figure")
    assert [figure.get_attribute("id") for figure in figures] == expected
    for figure in figures:
        svg = figure.query_selector("svg")
        box = svg.bounding_box()
        assert box["width"] > 300 and box["height"] > 120, figure.get_attribute("id")
        assert len(svg.query_selector_all("path")) > 5
        assert len(svg.query_selector_all("title")) > 0, "no hover text"
        picture = Image.open(io.BytesIO(svg.screenshot())).convert("RGB")
        # Drawn: more than a blank canvas and a few lines.
        assert len(picture.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 20
        assert figure.evaluate(_OVERLAPS) == [], figure.get_attribute("id")


def test_screenshot_of_each_section(loaded, shop_report):
    page, *_ = loaded
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    keys = [section.key for section in report_sections(*shop_report)]
    for key in keys:
        target = ARTIFACTS / f"{key}.png"
        page.query_selector(f"section#{key}").screenshot(path=str(target))
        assert Image.open(target).size[1] > 100
    if os.environ.get("CRM_UPDATE_README_SCREENSHOT"):
        _readme_screenshot(page)


def _readme_screenshot(page) -> None:
    """The top of the report (header, overview, segments), small enough to commit."""
    page.evaluate("window.scrollTo(0, 0)")
    top = page.query_selector("header").bounding_box()["y"]
    bottom = page.query_selector("#segments-shares").bounding_box()
    clip = {"x": 0, "y": top, "width": 1100, "height": bottom["y"] + bottom["height"] - top}
    picture = Image.open(io.BytesIO(page.screenshot(clip=clip, full_page=True)))
    picture = picture.convert("RGB").resize((picture.width * 7 // 10, picture.height * 7 // 10))
    picture.quantize(colors=256).save(REPO / "docs" / "report.png", optimize=True)


def test_tables_sort_and_filter(loaded):
    page, *_ = loaded
    table = page.query_selector('table[data-table="clv-top"]')
    clv_column = [cell.inner_text() for cell in table.query_selector_all("thead th")].index(
        "predicted CLV"
    )

    def column(index: int) -> list[float]:
        cells = table.query_selector_all(f"tbody tr td:nth-child({index + 1})")
        return [float(cell.get_attribute("data-sort")) for cell in cells]

    assert column(clv_column) == sorted(column(clv_column), reverse=True)
    header = table.query_selector_all("thead th")[clv_column]
    header.click()
    assert column(clv_column) == sorted(column(clv_column))
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert column(clv_column) == sorted(column(clv_column), reverse=True)
    first_id = table.query_selector("tbody tr td").inner_text()
    page.fill("#clv-top .filter", first_id)
    visible = [row for row in table.query_selector_all("tbody tr") if row.is_visible()]
    assert len(visible) == 1 and visible[0].query_selector("td").inner_text() == first_id
    page.fill("#clv-top .filter", "")
    assert all(row.is_visible() for row in table.query_selector_all("tbody tr"))


def test_prints_to_pdf(loaded):
    page, *_ = loaded
    page.emulate_media(media="print")
    try:
        assert not page.query_selector("nav").is_visible()
        pdf = page.pdf(format="A4", print_background=True)
    finally:
        page.emulate_media(media="screen")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pdf.startswith(b"%PDF") and 3 <= pages <= 30
