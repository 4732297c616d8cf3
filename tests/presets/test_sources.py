"""Issue 7 §5: each built-in preset's sources lead with the venue's own pages; a third-party
mirror is only a second link, named as a mirror of the page it copies."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

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
