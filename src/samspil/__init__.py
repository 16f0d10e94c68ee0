"""samspil: the research data warehouse of the co-production study."""

__version__ = "0.1.0"
