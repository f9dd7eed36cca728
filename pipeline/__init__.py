"""plan-extract: 群馬県行財政改革大綱 実施計画 PDF → validated open-data tables."""

__version__ = "0.1.0"
