"""Demo data for uniforms. Orders come from the simulated bank's FIRST_SPEND events; this
only orders the uniforms of demo cards that spent before the hook was wired."""

from __future__ import annotations

from uniforms.services import uniform_orders_backfill


def seed() -> str:
    made = uniform_orders_backfill()
    if not made:
        return "nothing to seed: uniform orders come from FIRST_SPEND events of the simulated bank"
    return f"uniform orders created for {made} volunteers whose cards already spent"
