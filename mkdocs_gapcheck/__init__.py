"""mkdocs-gapcheck: keep a gap analysis, its ADRs, runbooks and roadmap honest."""

__version__ = "0.1.0"
