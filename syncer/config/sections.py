"""The admin config as pydantic models: one model per section of the YAML file.

Frozen and `extra="forbid"`, so a typo (`max_gap_dayz`) is an error rather than a silently ignored
key. These models are the single source of the JSON Schema in config/schema.json. Turning them
into the core's types (Person, Policy, DetectionRules) is done by `SyncerConfig` in
`syncer.config.model`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    Tag,
    model_validator,
)

from syncer.config.fields import (
    Bind,
    Email,
    NonBlank,
    Regex,
    Url,
    WorkingHoursSpec,
    Zone,
)
from syncer.core.model import ProviderName

PeopleSource = Literal["config", "google_directory", "microsoft_directory"]
DEFAULT_TEMPLATE = "default"
MICROSOFT_LOGIN = "https://login.microsoftonline.com"


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PersonEntry(Section):
    """One person as the admin wrote them (see `SyncerConfig.people_list()` for the model)."""

    email: Email
    provider: ProviderName | None = Field(
        default=None,
        description="Where this person's calendar lives (required with people_source: config; "
        "with a directory source, default: the directory's provider).",
    )
    timezone: Zone | None = Field(
        default=None, description="IANA zone; default: the org's timezone."
    )
    working_hours: WorkingHoursSpec = "09:00-17:00"
    manager: Email | None = Field(
        default=None,
        description="Their manager's e-mail; manager<->report pairs are expected to meet.",
    )
    start_date: date | None = Field(default=None, description="New hires get the stricter limit.")
    opt_out: bool = Field(
        default=False, description="true: never touch or store this person's events."
    )
    aliases: tuple[Email, ...] = Field(default=(), description="Other addresses of this person.")
    name: str | None = None
    team: str | None = None


class RescheduleSection(Section):
    window_days: PositiveInt = Field(default=7, description="How far ahead to look for a new slot.")
    proposals: PositiveInt = Field(default=3, description="How many slots to propose.")
    hold: bool = Field(default=False, description="Also place tentative holds (mode: full only).")
    min_notice_hours: NonNegativeInt = Field(
        default=4, description="No slot sooner than this from now."
    )
    step_minutes: PositiveInt = Field(
        default=15, description="Granularity of candidate slot starts."
    )


class PolicySection(Section):
    max_gap_days: PositiveInt = Field(
        default=21, description="A pair is overdue after this many days."
    )
    new_hire_days: NonNegativeInt = Field(default=90, description="How long someone counts as new.")
    new_hire_max_gap_days: PositiveInt = Field(default=10, description="The limit when one is new.")
    team_max_gap_days: dict[str, PositiveInt] = Field(
        default_factory=dict, description="Per-team limit {team: days}."
    )
    reschedule: RescheduleSection = RescheduleSection()
    holidays: tuple[date, ...] = Field(
        default=(), description="Days never proposed for a reschedule."
    )
    opt_out_keyword: NonBlank = Field(
        default="#no-syncer", description="An event whose description holds this is left alone."
    )
    lookback_days: PositiveInt = Field(
        default=90, description="How far back cancellations count in the report."
    )


class DetectionSection(Section):
    min_minutes: PositiveInt = Field(default=10, description="Shorter meetings are not 1:1s.")
    max_minutes: PositiveInt = Field(default=90, description="Longer meetings are not 1:1s.")
    title_include: tuple[Regex, ...] = Field(default=(), description="Regexes; empty = any title.")
    title_exclude: tuple[Regex, ...] = Field(default=("(?i)interview",), description="Regexes.")
    allow_external: bool = Field(
        default=False, description="Count 1:1s with people outside domains."
    )

    @model_validator(mode="after")
    def _bounds_in_order(self) -> DetectionSection:
        if self.min_minutes > self.max_minutes:
            raise ValueError(
                f"min_minutes ({self.min_minutes}) is more than max_minutes ({self.max_minutes})"
            )
        return self


class AgendaSection(Section):
    """One heading of the agenda template and the prompts written under it."""

    heading: NonBlank
    prompts: tuple[str, ...] = ()


def _template_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "name_or_file"
    if isinstance(value, list | tuple):
        return "sections"
    return None


Template = Annotated[
    Annotated[NonBlank, Tag("name_or_file")]
    | Annotated[tuple[AgendaSection, ...], Tag("sections")],
    Discriminator(
        _template_kind,
        custom_error_type="invalid_template",
        custom_error_message='expected "default", a file path, or a list of {heading, prompts}',
    ),
]


class AgendaConfig(Section):
    template: Template = Field(
        default=DEFAULT_TEMPLATE,
        description='"default", a list of {heading, prompts: [...]}, or the path of a YAML file '
        "holding such a list (relative to the config file).",
    )


class LimitsSection(Section):
    max_writes_per_run: PositiveInt = Field(
        default=500, description="A run stops writing after this."
    )
    mailbox_concurrency: PositiveInt = Field(
        default=4,
        description="Provider calls in flight at once for one person's calendar and files, "
        "across every worker (Graph answers a fifth with 429 MailboxConcurrency).",
    )
    provider_concurrency: PositiveInt | None = Field(
        default=None,
        description="Calls in flight at once to one provider across every worker "
        "(unset: only the number of workers bounds it).",
    )
    slot_wait_seconds: PositiveFloat = Field(
        default=10.0,
        description="How long a call waits for a free slot before its job is put back for "
        "later, freeing the worker.",
    )


class ScheduleSection(Section):
    sweep_minutes: PositiveInt = Field(
        default=60, description="Full sweep of every calendar, without push (no web.public_url)."
    )
    push_sweep_minutes: PositiveInt = Field(
        default=1440,
        description="Full sweep while push is on (web.public_url): the safety net for "
        "notifications the provider dropped.",
    )
    pull_minutes: PositiveInt = Field(default=15, description="Incremental pull (push is faster).")
    agenda_hour: int = Field(
        default=7, ge=0, le=23, description="Local hour to append agenda sections."
    )
    overdue_hour: int = Field(
        default=8, ge=0, le=23, description="Local hour to flag overdue pairs."
    )
    renew_hours: PositiveInt = Field(default=12, description="How often push channels are renewed.")


class GoogleProvider(Section):
    service_account_file: NonBlank = Field(description="The service account's JSON key file.")
    admin_subject: Email | None = Field(
        default=None, description="Admin to impersonate for Directory."
    )
    api_endpoint: Url = Field(
        default="https://www.googleapis.com/", description="Overridable (sandbox)."
    )
    service_account_email: Email | None = Field(
        default=None, description="syncer's own account; folded out of attendee lists."
    )
    ca_bundle: NonBlank | None = Field(default=None, description="Extra CA bundle (the sandbox's).")


class MicrosoftProvider(Section):
    tenant_id: NonBlank
    client_id: NonBlank
    client_secret: SecretStr
    authority: Url | None = Field(
        default=None, description=f"Default: {MICROSOFT_LOGIN}/<tenant_id>. Overridable (sandbox)."
    )
    graph_endpoint: Url = Field(
        default="https://graph.microsoft.com/v1.0", description="Overridable."
    )
    ca_bundle: NonBlank | None = Field(default=None, description="Extra CA bundle (the sandbox's).")

    @model_validator(mode="before")
    @classmethod
    def _default_authority(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("authority") is None:
            tenant = data.get("tenant_id")
            if isinstance(tenant, str) and tenant.strip():
                return {**data, "authority": f"{MICROSOFT_LOGIN}/{tenant.strip()}"}
        return data


class ProvidersSection(Section):
    google: GoogleProvider | None = None
    microsoft: MicrosoftProvider | None = None

    def configured(self) -> tuple[ProviderName, ...]:
        names: list[ProviderName] = []
        if self.google is not None:
            names.append("google")
        if self.microsoft is not None:
            names.append("microsoft")
        return tuple(names)


class WebSection(Section):
    public_url: Url | None = Field(
        default=None, description="Where providers send push notifications."
    )
    bind: Bind = "127.0.0.1:8080"
    admin_token: SecretStr | None = Field(
        default=None, description="Bearer token for the dashboard."
    )
