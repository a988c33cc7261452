"""Local emulator of Tencent Cloud Simple Email Service (SES)."""

__version__ = "0.1.0"

__all__ = ["__version__"]
