"""Tencent Cloud API 3.0 front-end: request parsing and signature verification."""
