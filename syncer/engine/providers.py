"""Providers from the config: which vendors this org uses and how to reach them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog

from syncer.config import SyncerConfig
from syncer.core.model import ProviderName
from syncer.errors import SyncerError
from syncer.providers.base import Provider
from syncer.providers.slots import UNBOUNDED, CallSlots
from syncer.store import Store
from syncer.store_slots import RedisSlots


def call_slots(config: SyncerConfig, store: Store) -> CallSlots:
    """The call slots every process of this org shares (`limits` in the config)."""
    limits = config.limits
    return RedisSlots(
        store.redis,
        config.org,
        mailbox_limit=limits.mailbox_concurrency,
        provider_limit=limits.provider_concurrency,
        wait_s=limits.slot_wait_seconds,
    )


def build_providers(
    config: SyncerConfig,
    *,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], datetime] | None = None,
    slots: CallSlots = UNBOUNDED,
) -> tuple[dict[ProviderName, Provider], dict[str, str]]:
    """The providers the config's people need; the second value says why any is unavailable.

    `sleep` replaces time.sleep between retries and `clock` the wall clock where a provider
    keeps time itself (Graph's delta window and its re-check of series): tests and
    simulations pass their own. `slots` bounds the calls in flight per mailbox across
    processes (`syncer.store_slots.RedisSlots`, from `limits`)."""
    needed = {p.provider for p in config.people_list()}
    if config.people_source != "config":  # the directory's provider hosts (nearly) everyone
        needed.add("microsoft" if config.people_source == "microsoft_directory" else "google")
    providers: dict[ProviderName, Provider] = {}
    unavailable: dict[str, str] = {}
    if "google" in needed:
        try:
            providers["google"] = _google(config, sleep, slots)
        except (ImportError, SyncerError, OSError, ValueError) as err:
            unavailable["google"] = str(err)
    if "microsoft" in needed:
        try:
            providers["microsoft"] = _microsoft(config, sleep, clock, slots)
        except (ImportError, SyncerError, OSError, ValueError) as err:
            unavailable["microsoft"] = str(err)
    return providers, unavailable


def _google(
    config: SyncerConfig, sleep: Callable[[float], None] | None, slots: CallSlots
) -> Provider:
    from syncer.providers.google import GoogleProvider

    section = config.providers.google
    if section is None:
        raise SyncerError("no providers.google section in the config")
    return GoogleProvider(
        str(section.service_account_file),
        section.api_endpoint,
        ca_certs=str(section.ca_bundle) if getattr(section, "ca_bundle", None) else None,
        service_account_email=section.service_account_email,
        admin_subject=section.admin_subject,
        opt_out_keyword=config.policy().opt_out_keyword,
        log=structlog.get_logger().bind(org=config.org, provider="google"),
        sleep=sleep,
        slots=slots,
    )


def _microsoft(
    config: SyncerConfig,
    sleep: Callable[[float], None] | None,
    clock: Callable[[], datetime] | None,
    slots: CallSlots,
) -> Provider:
    from syncer.providers.microsoft import MicrosoftProvider

    section = config.providers.microsoft
    if section is None:
        raise SyncerError("no providers.microsoft section in the config")
    return MicrosoftProvider.from_config(
        section,
        opt_out_keyword=config.policy().opt_out_keyword,
        log=structlog.get_logger().bind(org=config.org, provider="microsoft"),
        sleep=sleep,
        clock=clock,
        slots=slots,
    )
