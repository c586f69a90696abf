"""The whole admin config (`SyncerConfig`) and its JSON Schema.

`SyncerConfig` keeps the sections as the admin wrote them (validated) and turns them into the
core's types on request: `people_list()`, `policy()`, `detection_rules()`. The core never sees
this module; the engine passes those values in.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from types import MappingProxyType
from typing import Any

from pydantic import Field, PrivateAttr

from syncer.config.fields import (
    Domain,
    EmailOrDomain,
    Org,
    RedisUrl,
    Zone,
    parse_working_hours,
)
from syncer.config.sections import (
    DEFAULT_TEMPLATE,
    AgendaConfig,
    AgendaSection,
    DetectionSection,
    LimitsSection,
    PeopleSource,
    PersonEntry,
    PolicySection,
    ProvidersSection,
    ScheduleSection,
    Section,
    WebSection,
)
from syncer.core.model import (
    DetectionRules,
    Mode,
    Person,
    Policy,
    ProviderName,
    ReschedulePolicy,
)

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class SyncerConfig(Section):
    """The admin's config file, validated. Build it with `load_config`, not by hand."""

    org: Org = Field(description="Short name, used in ids and logs ([a-z0-9-]+).")
    domains: tuple[Domain, ...] = Field(
        min_length=1, description="The org's domains; people outside these are external."
    )
    timezone: Zone = Field(default="UTC", description="IANA zone; default for people without one.")
    mode: Mode = Field(
        default="full",
        description="observe (no writes) | propose (blocks only) | full (holds too).",
    )
    people_source: PeopleSource = Field(
        default="config",
        description="Where the org chart comes from: config (the people list), "
        "google_directory or microsoft_directory (people entries are then overrides).",
    )
    pilot: tuple[EmailOrDomain, ...] = Field(
        default=(), description="Allow-list of e-mails or domains; empty = everyone."
    )
    people: tuple[PersonEntry, ...] = ()
    policy_section: PolicySection = Field(default=PolicySection(), alias="policy")
    detection: DetectionSection = DetectionSection()
    agenda: AgendaConfig = AgendaConfig()
    limits: LimitsSection = LimitsSection()
    schedule: ScheduleSection = ScheduleSection()
    providers: ProvidersSection = ProvidersSection()
    web: WebSection = WebSection()
    redis_url: RedisUrl | None = Field(
        default=None,
        description="Redis to use; the REDIS_URL environment variable wins; else embedded.",
    )

    # Set by the loader when `agenda.template` names a file: that file's sections.
    _template_from_file: tuple[AgendaSection, ...] | None = PrivateAttr(None)

    # ----------------------------------------------------------------------------------------
    # The core's types

    def people_list(self) -> tuple[Person, ...]:
        """Everyone in the config as model.Person: lower-cased, zone defaulted, hours parsed.

        A manager named by one of their aliases is given by their primary address.
        """
        return self._people

    def person(self, email: str) -> Person | None:
        """The person with this address or alias (case-insensitive), if any."""
        return self._by_address.get(email.strip().lower())

    def policy(self) -> Policy:
        p = self.policy_section
        r = p.reschedule
        return Policy(
            max_gap_days=p.max_gap_days,
            new_hire_days=p.new_hire_days,
            new_hire_max_gap_days=p.new_hire_max_gap_days,
            reschedule=ReschedulePolicy(
                window_days=r.window_days,
                proposals=r.proposals,
                hold=r.hold,
                min_notice_hours=r.min_notice_hours,
                step_minutes=r.step_minutes,
            ),
            holidays=frozenset(p.holidays),
            team_max_gap_days=MappingProxyType(dict(p.team_max_gap_days)),
            mode=self.mode,
            opt_out_keyword=p.opt_out_keyword,
            lookback_days=p.lookback_days,
        )

    def detection_rules(self) -> DetectionRules:
        d = self.detection
        google = self.providers.google
        service_accounts = (
            (google.service_account_email,) if google and google.service_account_email else ()
        )
        return DetectionRules(
            min_minutes=d.min_minutes,
            max_minutes=d.max_minutes,
            title_include=d.title_include,
            title_exclude=d.title_exclude,
            allow_external=d.allow_external,
            domains=self.domains,
            service_accounts=service_accounts,
        )

    def agenda_sections(self) -> tuple[AgendaSection, ...] | None:
        """The agenda template's sections; None means the built-in default template."""
        template = self.agenda.template
        if isinstance(template, tuple):
            return template
        if template == DEFAULT_TEMPLATE:
            return None
        return self._template_from_file

    def in_pilot(self, email: str) -> bool:
        """Whether syncer may act for this address: an empty pilot list means everyone."""
        if not self.pilot:
            return True
        address = email.strip().lower()
        domain = address.rpartition("@")[2]
        return address in self.pilot or domain in self.pilot

    # ----------------------------------------------------------------------------------------

    @cached_property
    def _people(self) -> tuple[Person, ...]:
        primary = {}
        for entry in self.people:
            primary[entry.email] = entry.email
            for alias in entry.aliases:
                primary.setdefault(alias, entry.email)
        return tuple(
            Person(
                email=e.email,
                provider=e.provider or self._directory_provider,
                timezone=e.timezone or self.timezone,
                working_hours=parse_working_hours(e.working_hours),
                manager=primary.get(e.manager, e.manager) if e.manager else None,
                start_date=e.start_date,
                opt_out=e.opt_out,
                aliases=frozenset(e.aliases),
                name=e.name,
                team=e.team,
            )
            for e in self.people
        )

    @property
    def _directory_provider(self) -> ProviderName:
        """The provider of a person the admin gave none (only allowed with a directory)."""
        return "microsoft" if self.people_source == "microsoft_directory" else "google"

    @cached_property
    def _by_address(self) -> Mapping[str, Person]:
        index: dict[str, Person] = {}
        for p in self._people:
            for address in (*sorted(p.aliases), p.email):  # a primary address wins over an alias
                index[address] = p
        return MappingProxyType(index)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the config file (what config/schema.json holds), for editors and CI."""
    schema = SyncerConfig.model_json_schema(mode="validation", by_alias=True)
    return {"$schema": SCHEMA_DIALECT, **schema}
