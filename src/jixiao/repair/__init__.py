"""Repair cascade: rules, then the LLM, then the review queue."""
