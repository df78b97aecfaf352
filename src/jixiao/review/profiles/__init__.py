"""Bundled reviewer profiles (TOML), loaded by name through ``jixiao.review.profile``."""
