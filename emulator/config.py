"""Settings from flags and SES_EMULATOR_* environment variables (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from emulator.domain.profiles import PROFILES, SANDBOX

# Documented fake defaults of the default account (README "Default credentials").
DEFAULT_SECRET_ID = "AKIDSESEMULATORDEFAULT00000000000000"
DEFAULT_SECRET_KEY = "SesEmulatorDefaultSecretKey00000"
DEFAULT_SENDER = "noreply@mail.example.com"
DEFAULT_SMTP_PASSWORD = "Emulator2026Smtp"
DEFAULT_APP_ID = "1300000000"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SES_EMULATOR_", extra="ignore")

    host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtps_port: int = 2465
    http_port: int = 8025
    data_dir: Path = Path("ses-emulator-data")
    database_url: str | None = None
    admin_token: str | None = None

    tls_cert: Path | None = None
    tls_key: Path | None = None

    smtp_auth: str = Field("required", description="required | any (accept any credentials or none)")
    smtp_allow_plain_auth: bool = Field(False, description="allow AUTH on an unencrypted connection")
    smtp_hostname: str = "smtp.ses-emulator.local"
    max_message_bytes: int = 4 * 1024 * 1024
    max_recipients: int = 50

    signature_check: str = Field("strict", description="strict | relaxed (accept unsigned/any signature)")
    signature_max_skew_s: int = 300

    free_quota: int = 1_000
    price_per_email_micro: int = 280
    dedicated_ip_month_micro: int = 120_000_000
    templates_need_review: bool = False
    dedicated_ip_stock: int = 3
    dedicated_ip_seed: str = "ses-emulator"
    dedicated_ip_lead_days: int | None = None

    default_secret_id: str = DEFAULT_SECRET_ID
    default_secret_key: str = DEFAULT_SECRET_KEY
    default_sender: str = DEFAULT_SENDER
    default_smtp_password: str = DEFAULT_SMTP_PASSWORD
    default_app_id: str = DEFAULT_APP_ID

    scheduler_interval_s: float = 1.0
    settle_batch_accounts: int = Field(
        500,
        ge=1,
        le=10_000,
        description="accounts per transaction when a global clock move or the scheduler settles",
    )
    # retention (captured mail only; metering and bills are never deleted)
    retention_max_messages: int | None = Field(None, ge=1, description="most messages kept per account")
    retention_max_age_days: int | None = Field(None, ge=1, description="oldest message kept, in account days")

    # --- event callbacks (issue 6): POST timeout, attempts per event, back-off base and ceiling ---
    callback_timeout_s: float = 5.0
    callback_max_attempts: int = 8
    callback_retry_base_s: float = 1.0
    callback_retry_max_s: float = 300.0
    log_level: str = "info"

    # --- operations (CLI, logs, metrics) ---
    log_format: str = Field("plain", description="plain | json (one JSON object per line)")
    # --- hardening (issue 9): SMTP clients that stall are cut off; connections beyond the limit get 421 ---
    smtp_idle_timeout_s: float = Field(300, gt=0, description="close an SMTP session idle this long")
    smtp_max_connections: int = Field(1000, ge=1, description="open SMTP connections, both ports together")
    # --- issue 14: browser-origin defence, durability, bounds (README "Security") ---
    allowed_hosts: str = Field(
        "", description="comma-separated extra Host names accepted (compose/Kubernetes service names)"
    )
    sqlite_synchronous: str = Field(
        "full",
        description="full (a 250 is on disk) | normal (faster, a power loss can lose the last commits)",
    )
    sqlite_wal_max_bytes: int = Field(
        64 * 1024 * 1024, ge=0, description="checkpoint with truncation once the SQLite WAL passes this size"
    )
    http_max_body_bytes: int = Field(1024 * 1024, ge=1, description="admin/mailbox/UI request body cap")
    snapshot_max_bytes: int = Field(
        512 * 1024 * 1024, ge=1, description="account snapshot upload cap (POST /admin/snapshots)"
    )
    http_header_timeout_s: float = Field(10, gt=0, description="cut off a client still sending headers")
    smtp_max_connections_per_client: int = Field(
        256, ge=1, description="open SMTP connections from one client address (below smtp_max_connections)"
    )

    # --- issue 17: account profiles (docs/profiles.md) ---
    default_profile: str = Field(
        SANDBOX,
        description="sandbox | production: the profile of accounts created without one, the default account's",
    )

    @field_validator("default_profile")
    @classmethod
    def _profile(cls, v: str) -> str:
        if v not in PROFILES:
            raise ValueError(f"default_profile must be one of {', '.join(PROFILES)}")
        return v

    @field_validator("smtp_auth")
    @classmethod
    def _auth_mode(cls, v: str) -> str:
        if v not in ("required", "any"):
            raise ValueError("smtp_auth must be 'required' or 'any'")
        return v

    @field_validator("signature_check")
    @classmethod
    def _sig_mode(cls, v: str) -> str:
        if v not in ("strict", "relaxed"):
            raise ValueError("signature_check must be 'strict' or 'relaxed'")
        return v

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, v: str) -> str:
        if v not in ("plain", "json"):
            raise ValueError("log_format must be 'plain' or 'json'")
        return v

    @field_validator("sqlite_synchronous")
    @classmethod
    def _sync_mode(cls, v: str) -> str:
        v = v.lower()
        if v not in ("full", "normal"):
            raise ValueError("sqlite_synchronous must be 'full' or 'normal'")
        return v

    def allowed_host_names(self) -> tuple[str, ...]:
        """SES_EMULATOR_ALLOWED_HOSTS as lower-case names (ports stripped by the Host check)."""
        return tuple(h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip())

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'emulator.db').resolve()}"
