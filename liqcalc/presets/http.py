"""HTTP for ``liqcalc presets fetch``: httpx, imported inside these functions only (ruff TID253).

Every failure is one :class:`FetchError` line naming the venue, the request (its address
without the query string, which may hold a signature) and what went wrong. 429 and 5xx
answers are retried with exponential backoff within a :class:`Budget`; a timeout or a
refused connection is not retried (the user gave the time to wait with ``--timeout``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from liqcalc.core.errors import LiqcalcError

if TYPE_CHECKING:
    import httpx


class FetchError(LiqcalcError):
    """A download failed: the venue did not answer, answered an error, or answered something
    that is not its documented response. Nothing is written."""


@dataclass(frozen=True)
class Budget:
    """How long ``presets fetch`` waits for a venue that says "too many requests" (429) or
    fails on its side (5xx): up to ``retries`` retries per request, the n-th after
    ``backoff`` x 2^(n-1) seconds, or the ``Retry-After`` the venue asks for when it is
    longer (up to ``longest_wait``); at most ``total_wait`` seconds of waiting per command."""

    retries: int = 4
    backoff: float = 1.0
    longest_wait: float = 30.0
    total_wait: float = 120.0

    def words(self) -> str:
        waits = ", ".join(f"{self.backoff * 2 ** n:g}" for n in range(self.retries))
        return (f"429 and 5xx answers are retried up to {self.retries} times per request, after {waits} s "
                f"(or the Retry-After the venue asks, at most {self.longest_wait:g} s), "
                f"at most {self.total_wait:g} s of waiting in all")


#: The budget of the command line (its words are in ``presets fetch --help``).
DEFAULT_BUDGET = Budget()

#: Largest answer read (every Binance symbol's brackets is a few MiB).
ANSWER_LIMIT = 64 * 1024 * 1024


@dataclass
class Http:
    """One venue's connection: JSON requests with retries, errors as one line each."""

    venue: str
    timeout: float
    budget: Budget = DEFAULT_BUDGET
    sleep: Callable[[float], None] = time.sleep
    waited: float = 0.0
    requests: int = 0
    _client: httpx.Client | None = field(default=None, repr=False)

    def __enter__(self) -> Http:
        import httpx

        from liqcalc import __version__

        self._client = httpx.Client(timeout=self.timeout, follow_redirects=True,
                                    headers={"User-Agent": f"liqcalc/{__version__}", "Accept": "application/json"})
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def get(self, url: str, params: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None) -> Any:
        """The JSON answer of ``GET url?params``."""
        return self._request("GET", url, params=params, headers=headers)

    def post(self, url: str, body: Any) -> Any:
        """The JSON answer of ``POST url`` with a JSON body."""
        return self._request("POST", url, body=body)

    def _request(self, method: str, url: str, *, params: Mapping[str, str] | None = None,
                 headers: Mapping[str, str] | None = None, body: Any = None) -> Any:
        import httpx

        assert self._client is not None, "use Http as a context manager"
        shown = f"{method} {url.partition('?')[0]}"  # a query may hold a signature: never shown
        where = f"{self.venue}: {shown}"
        attempt = 0
        while True:
            self.requests += 1
            try:
                status, reason, retry_after, content = self._once(method, url, params, headers, body)
            except httpx.TimeoutException:
                raise FetchError(f"{where}: no answer within {self.timeout:g} s (give more with --timeout)") from None
            except httpx.ConnectError as error:
                raise FetchError(f"{where}: cannot connect ({_reason(error, url)})") from None
            except httpx.RemoteProtocolError as error:
                raise FetchError(f"{where}: the connection broke before the whole answer arrived ({_reason(error, url)})") from None
            except httpx.HTTPError as error:
                raise FetchError(f"{where}: {type(error).__name__} ({_reason(error, url)})") from None
            if status == 429 or status >= 500:
                wait = self.budget.backoff * 2 ** attempt
                if retry_after is not None:
                    wait = max(wait, min(retry_after, self.budget.longest_wait))
                if attempt >= self.budget.retries or self.waited + wait > self.budget.total_wait:
                    raise FetchError(f"{where}: answered HTTP {status} {reason} {attempt + 1} times; "
                                     f"the retry budget is spent (try again later)")
                attempt += 1
                self.waited += wait
                self.sleep(wait)
                continue
            if status >= 400:
                raise FetchError(f"{where}: answered HTTP {status} {reason}: {_excerpt(content)}")
            try:
                return json.loads(content.decode("utf-8-sig"), parse_float=Decimal)
            except UnicodeDecodeError as error:
                raise FetchError(f"{where}: the answer is not UTF-8 text ({error.reason} at byte {error.start})") from None
            except json.JSONDecodeError as error:
                cut = " (cut short?)" if error.pos >= len(content.rstrip()) else ""
                raise FetchError(f"{where}: the answer is not JSON{cut} ({error.msg} at character {error.pos})") from None
            except (RecursionError, ValueError) as error:
                raise FetchError(f"{where}: the answer cannot be read ({type(error).__name__})") from None

    def _once(self, method: str, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str] | None,
              body: Any) -> tuple[int, str, float | None, bytes]:
        assert self._client is not None
        with self._client.stream(method, url, params=params, headers=headers, json=body) as response:
            chunks: list[bytes] = []
            total = 0
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > ANSWER_LIMIT:
                    raise FetchError(f"{self.venue}: {method} {url.partition('?')[0]}: the answer is above {ANSWER_LIMIT // 2 ** 20} MiB")
                chunks.append(chunk)
            return response.status_code, response.reason_phrase, _seconds(response.headers.get("Retry-After")), b"".join(chunks)


def _seconds(value: str | None) -> float | None:
    """A ``Retry-After`` in seconds (an HTTP date is not waited for: None)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _reason(error: Exception, url: str) -> str:
    """An httpx error in a few words, never with the request's query (it may hold a signature)."""
    text = str(error) or type(error).__name__
    query = url.partition("?")[2]
    if query:
        text = text.replace(query, "...")
    return text if len(text) <= 160 else text[:157] + "..."


def _excerpt(content: bytes) -> str:
    text = content.decode("utf-8", "replace").strip().replace("\n", " ")
    return (text if len(text) <= 200 else text[:197] + "...") or "(empty answer)"
