"""Where the money goes when a liquidation fills: surplus to its recipients, shortfall from
its payers, by the venue's rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Context, Decimal, localcontext

from liqcalc.core.errors import UsageError
from liqcalc.core.model import Flow, Party, Venue, Waterfall
from liqcalc.core.numbers import ZERO


def check_caps(venue: Venue, caps: Mapping[Party, Decimal]) -> None:
    """Refuse caps on parties outside the venue's waterfall, or on its last payer."""
    payers = venue.shortfall.waterfall
    for party in caps:
        if party not in payers:
            raise UsageError(
                f"{{can_pay}}: {party} pays no shortfall on {venue.name}; its waterfall is "
                f"{', '.join(payers)}", "can_pay",
            )
        if party == payers[-1]:
            raise UsageError(
                f"{{can_pay}}: {party} is the last payer of {venue.name}'s waterfall and takes "
                f"whatever is left; cap one of {', '.join(payers[:-1]) or 'nothing'} instead", "can_pay",
            )


def settle(
    venue: Venue,
    *,
    label: str,
    fill_price: Decimal,
    equity: Decimal,
    maintenance_margin: Decimal,
    liquidated_notional: Decimal,
    liquidation_fee_rate: Decimal,
    caps: Mapping[Party, Decimal],
    adl_price: Decimal | None,
) -> Waterfall:
    """Split the position's ``equity`` at ``fill_price`` by the venue's rules.

    Surplus (``equity >= 0``): the liquidation fee, ``rate x liquidated notional`` capped at
    what is left ("a liquidation fee will be charged on the amount liquidated", Binance
    Liquidation Protocol, https://docs.traderwagon.com/faq/futures-trading-introduction/liquidation-protocol ;
    dYdX v4: "the minimum of the max liquidation fee and the leftover collateral",
    https://github.com/dydxprotocol/v4-chain/blob/main/protocol/x/clob/keeper/liquidations.go ),
    goes to ``fees.liquidation_fee_to``; the rest to ``surplus.to``. Hyperliquid: when equity
    is below 2/3 of maintenance margin the backstop takes the position and "the maintenance
    margin is not returned" (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations).

    Shortfall (``equity < 0``): each payer of ``shortfall.waterfall`` in order pays what it
    can (``caps``; uncapped payers pay all that is left); the last payer is never capped.
    What reaches ``adl_counterparties`` is asked of the venue's ADL rule
    (:attr:`~liqcalc.core.model.AdlRule.deficit_bearer`): at the bankruptcy price the
    counterparties give it up (``adl_covered``); at the mark they give up nothing against it,
    and it stays with ``[adl] unabsorbed_by`` (``unabsorbed``), as ``liqcalc adl-risk``
    attributes it (README, "Who pays the shortfall").

    The split is computed without rounding (100 digits), so the flows add up exactly.
    """
    with localcontext(Context(prec=100)):
        flows: list[Flow] = []
        backstop = False
        fee = ZERO
        adl_at: Decimal | None = None
        covered = unabsorbed = ZERO
        bearer = venue.adl.deficit_bearer
        if equity >= 0:
            surplus, shortfall = equity, ZERO
            rule = venue.surplus
            backstop = rule.backstop_takes(equity, maintenance_margin)
            if backstop:
                assert rule.backstop_to is not None
                if surplus > 0:
                    flows.append(Flow("margin", rule.backstop_to, surplus, "backstop"))
            else:
                fee = min(liquidation_fee_rate * liquidated_notional, surplus)
                if fee > 0:
                    flows.append(Flow("margin", venue.fees.liquidation_fee_to, fee, "liquidation fee"))
                if surplus - fee > 0:
                    flows.append(Flow("margin", rule.to, surplus - fee, "surplus"))
        else:
            surplus, shortfall = ZERO, -equity
            left = shortfall
            payers = venue.shortfall.waterfall
            for n, party in enumerate(payers):
                if left == 0:
                    break
                last = n == len(payers) - 1
                pays = left if last or party not in caps else min(left, caps[party])
                if pays > 0 and party == "adl_counterparties":
                    adl_at = adl_price
                    if bearer is None:
                        covered += pays
                        flows.append(Flow(party, "deficit", pays, "shortfall"))
                    else:
                        # closed at the mark, the winners give up nothing against it
                        unabsorbed += pays
                        flows.append(Flow(bearer, "deficit", pays, "unabsorbed"))
                elif pays > 0:
                    flows.append(Flow(party, "deficit", pays, "shortfall"))
                left -= pays
        return Waterfall(
            label=label,
            fill_price=fill_price,
            equity=equity,
            surplus=surplus,
            shortfall=shortfall,
            flows=tuple(flows),
            backstop=backstop,
            adl_price=adl_at,
            liquidation_fee=fee,
            adl_covered=covered,
            unabsorbed=unabsorbed,
            unabsorbed_by=venue.adl.unabsorbed_by,
        )
