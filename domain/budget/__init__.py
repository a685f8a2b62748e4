"""Budgets: tiers, the daily clamp, money, the ledger's values and spend judgements."""
