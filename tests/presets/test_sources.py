"""Issue 7 §5: each built-in preset's sources lead with the venue's own pages; a third-party
mirror is only a second link, named as a mirror of the page it copies."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from liqcalc.core.position import CROSS_FORMULA_SOURCE
from liqcalc.presets.loader import builtin_dir, builtin_names, parse

#: The venue's own domains, or its official documentation repositories (host/path prefix).
OWN = {
    "binance": ("binance.com", "binance.vision", "github.com/binance/"),
    "bybit": ("bybit.com", "bybit-exchange.github.io", "github.com/bybit-exchange/"),
    "okx": ("okx.com",),
    "bitget": ("bitget.com",),
    "hyperliquid": ("hyperliquid.gitbook.io", "hyperliquid.xyz", "github.com/hyperliquid-dex/"),
    "dydx": ("dydx.exchange", "dydx.xyz", "github.com/dydxprotocol/"),
    "clearinghouse": ("cmegroup.com",),
    "bybit-inverse": ("bybit.com", "bybit-exchange.github.io", "github.com/bybit-exchange/"),
    "binance-coinm": ("binance.com", "binance.vision", "github.com/binance/"),
    "bitmex": ("bitmex.com",),
    "deribit": ("deribit.com",),
}

#: Third-party copies of venue pages seen in the presets: allowed only named as a mirror.
MIRRORS = ("kbybit.com", "bytick.com", "bybitglobal.com", "bybitx.global", "bitapps.me", "bybit.nl", "bjxnyj.com",
           "bitgetpro.site", "bitget.site", "sjk2oahoo1.com", "bitget.club", "bitget.style", "bitget.cloud",
           "bitget.live", "ouchyi.work", "ouyizh.biz", "viigoo.eu.org", "github.com/dzmbs/", "law.cornell.edu")


def _matches(url: str, prefixes: tuple[str, ...]) -> bool:
    parts = urlsplit(url.split(" ", 1)[0])
    host = (parts.hostname or "").lower()
    where = f"{host}{parts.path}"
    for prefix in prefixes:
        domain, _, path = prefix.partition("/")
        if (host == domain or host.endswith("." + domain)) and where.startswith(f"{host}/{path}" if path else host):
            return True
    return False


@pytest.mark.parametrize("name", builtin_names())
def test_every_preset_section_leads_with_the_venues_own_page(name: str) -> None:
    model = parse(builtin_dir() / f"{name}.toml")
    own = OWN[name]
    assert _matches(model.sources[0], own), f"sources[0] {model.sources[0]}"
    for section in ("margin", "fees", "surplus", "shortfall", "adl"):
        source = getattr(model, section).source
        assert _matches(source, own), f"[{section}] source {source} is not on {own}"


@pytest.mark.parametrize("name", builtin_names())
def test_a_mirror_is_a_second_link_named_as_one(name: str) -> None:
    model = parse(builtin_dir() / f"{name}.toml")
    for n, entry in enumerate(model.sources):
        if not _matches(entry, MIRRORS):
            continue
        assert " (mirror of " in entry, f"{entry} is a mirror but not named as one"
        assert n > 0 and not _matches(model.sources[0], MIRRORS)
        target = entry.split(" (mirror of ", 1)[1]
        if target.startswith("http"):
            page = target.split(" ", 1)[0].rstrip(",:;)")
            assert _matches(page, OWN[name]), f"{entry}: mirrors a page not on the venue's own domains"
        if target.startswith("the page above"):
            assert _matches(model.sources[n - 1], OWN[name]), f"{entry}: the page above is not the venue's own"


#: An entry of ``sources``: one URL, then optionally a label in parentheses.
_ENTRY = re.compile(r"(?P<url>https?://\S+)(?: \((?P<label>.+)\))?")


def _entry(entry: str) -> tuple[str, str | None]:
    match = _ENTRY.fullmatch(entry)
    assert match, f"{entry!r} is not a URL optionally followed by a label in parentheses"
    return match["url"], match["label"]


@pytest.mark.parametrize("name", builtin_names())
def test_every_source_is_the_venues_own_page_or_labelled_as_a_mirror_or_a_third_party(name: str) -> None:
    """Issue 7 §5: no bare third-party link; each says what it is and why it is cited."""
    model = parse(builtin_dir() / f"{name}.toml")
    for entry in model.sources:
        url, label = _entry(entry)
        if _matches(url, OWN[name]):
            continue
        assert label is not None and label.startswith(("mirror of ", "third party: ")), (
            f"{entry}: a third-party link must be labelled '(mirror of ...)' or '(third party: ...)'")
        why = label.removeprefix("mirror of ").removeprefix("third party: ")
        assert len(why.split()) >= 4, f"{entry}: the label must say what the page is and why it is cited"


@pytest.mark.parametrize("name", builtin_names())
def test_a_mirror_comes_directly_after_the_venue_page_it_mirrors_or_says_that_page_was_not_found(name: str) -> None:
    """A mirror naming the venue's page by URL sits right after it (after other mirrors of the same
    page); one naming it by title says the venue's own address was not found."""
    model = parse(builtin_dir() / f"{name}.toml")
    urls = [_entry(entry)[0] for entry in model.sources]
    for n, entry in enumerate(model.sources):
        label = _entry(entry)[1]
        if label is None or not label.startswith("mirror of "):
            continue
        target = label.removeprefix("mirror of ")
        if not target.startswith("http"):
            assert "address was not found" in target, f"{entry}: names no venue URL and does not say it was not found"
            continue
        page = target.split(" ", 1)[0].rstrip(",:;)")
        assert _matches(page, OWN[name]), f"{entry}: mirrors a page not on the venue's own domains"
        # the page itself, or the pages of the section it mirrors (hyperliquid's docs/trading)
        under = [i for i, url in enumerate(urls[:n]) if url == page or url.startswith(page.rstrip("/") + "/")]
        assert under, f"{entry}: the page it mirrors, {page}, is not listed before it"
        for between in model.sources[under[0] + 1:n]:
            url, label = _entry(between)
            assert url.startswith(page) or (label or "").startswith(f"mirror of {page}"), (
                f"{entry}: not directly after {page} ({between} comes between)")


def test_binance_lists_the_cross_formula_page_bare_so_the_cross_formula_stays_its_own() -> None:
    """liqcalc.core.position finds the cross formula's page by exact match in ``sources``: a label
    on that entry would silently drop Binance's claim to the formula."""
    model = parse(builtin_dir() / "binance.toml")
    assert CROSS_FORMULA_SOURCE in model.sources


@pytest.mark.parametrize("name", ["okx", "bybit", "hyperliquid"])
def test_presets_show_prints_each_source_whole_on_its_own_line(name: str) -> None:
    """A label holds commas, so ``presets show`` lists one source a line (folded under its bullet
    when the terminal is narrower; tests/cli/test_presets_show_width.py checks the width)."""
    from typer.testing import CliRunner

    from liqcalc.cli import app

    model = parse(builtin_dir() / f"{name}.toml")
    result = CliRunner().invoke(app, ["presets", "show", name, "--symbol", next(iter(model.symbols))],
                                env={"COLUMNS": "1000"})
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.output.splitlines()]
    assert "Sources:" in lines
    for entry in model.sources:
        assert f"- {entry}" in lines, f"{entry} is not on a line of its own"
