"""The test suite. REPO_ROOT is the checkout the tests run in: tests may read its files
(docs, scripts, config sources); the program itself finds its files as package data."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
