"""The admin config: good files load into core types; every problem names key path and line."""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from pathlib import Path
from textwrap import dedent

import platformdirs
import pytest

from syncer.config import check_config, json_schema, load_config
from syncer.errors import ConfigError, ConfigProblem

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example.yaml"
DEMO = ROOT / "config" / "demo.yaml"
EXAMPLE_ENV = {"SYNCER_MS_SECRET": "ms-secret-value", "SYNCER_ADMIN_TOKEN": "admin-token-value"}

MINIMAL = """\
org: acme
domains: [acme.test]
timezone: Europe/Berlin
people:
  - email: ana@acme.test
    provider: google
  - email: bob@acme.test
    provider: google
    manager: ana@acme.test
providers:
  google:
    service_account_file: /etc/syncer/sa.json
"""


def write(tmp_path: Path, text: str, name: str = "syncer.yaml") -> Path:
    path = tmp_path / name
    path.write_text(dedent(text), encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    config, problems = check_config(write(tmp_path, text), env=env or {})
    assert config is None
    assert problems
    return [str(p) for p in problems]


# --------------------------------------------------------------------------------------------
# Good files


def test_example_config_is_valid() -> None:
    config, problems = check_config(EXAMPLE, env=EXAMPLE_ENV)
    assert problems == []
    assert config is not None
    assert config.org == "acme"
    assert config.providers.microsoft is not None
    assert config.providers.microsoft.client_secret.get_secret_value() == "ms-secret-value"


def test_demo_config_is_valid_without_any_environment() -> None:
    config = load_config(DEMO, env={})
    data_dir = platformdirs.user_data_dir("syncer")
    assert config.org == "demo"
    assert config.domains == ("demo.test",)
    assert config.providers.google is not None
    assert config.providers.google.service_account_file == f"{data_dir}/sandbox/google-sa.json"
    assert config.providers.microsoft is not None
    assert config.providers.microsoft.ca_bundle == f"{data_dir}/sandbox/ca.pem"
    assert config.providers.microsoft.authority == "https://127.0.0.1:8702/demo-tenant"


def test_demo_org_spans_both_providers_three_zones_and_has_the_special_people() -> None:
    people = load_config(DEMO, env={}).people_list()
    emails = {p.email for p in people}
    today = date(2026, 11, 25)
    assert 8 <= len(people) <= 12
    assert {p.provider for p in people} == {"google", "microsoft"}
    assert {"Europe/Berlin", "America/New_York", "Asia/Kolkata"} <= {p.timezone for p in people}
    managers = [p.manager for p in people if p.manager]
    assert len(managers) >= 5 and set(managers) <= emails
    new_hires = [p for p in people if p.start_date and today - p.start_date <= timedelta(90)]
    assert len(new_hires) == 1
    assert len([p for p in people if p.opt_out]) == 1


def test_data_dir_variable_from_the_environment_wins_over_the_default() -> None:
    config = load_config(DEMO, env={"SYNCER_DATA_DIR": "/srv/syncer"})
    assert config.providers.google is not None
    assert config.providers.google.service_account_file == "/srv/syncer/sandbox/google-sa.json"


def test_people_are_lower_cased_zoned_and_their_hours_parsed(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            """\
            org: acme
            domains: [ACME.test]
            timezone: Europe/Berlin
            people:
              - email: Ana@Acme.Test
                provider: google
                timezone: America/New_York
                aliases: [Ana.Lima@acme.test]
                working_hours: {mon: "08:30-12:00", wed: "13:00-18:00", sat: off}
              - email: bob@acme.test
                provider: google
                manager: ANA.LIMA@acme.test
                start_date: 2026-10-01
                team: platform
            providers: {google: {service_account_file: sa.json}}
            """,
        ),
        env={},
    )
    ana, bob = config.people_list()
    assert ana.email == "ana@acme.test"
    assert ana.timezone == "America/New_York"
    assert ana.aliases == frozenset({"ana.lima@acme.test"})
    assert ana.working_hours.days == (
        (time(8, 30), time(12)),
        None,
        (time(13), time(18)),
        None,
        None,
        None,
        None,
    )
    assert bob.timezone == "Europe/Berlin"
    assert bob.manager == "ana@acme.test"  # named by an alias, given by the primary address
    assert bob.start_date == date(2026, 10, 1)
    assert bob.working_hours.on(date(2026, 11, 23)) == (time(9), time(17))  # a Monday
    assert bob.working_hours.on(date(2026, 11, 28)) is None  # a Saturday
    assert config.domains == ("acme.test",)


def test_a_person_is_found_by_address_or_alias_in_any_case() -> None:
    config = load_config(DEMO, env={})
    noah = config.person("Noah.Kim@DEMO.test")
    assert noah is not None and noah.email == "noah@demo.test"
    assert config.person("noah@demo.test") == noah
    assert config.person("nobody@demo.test") is None


def test_policy_and_detection_rules_come_from_their_sections() -> None:
    config = load_config(EXAMPLE, env=EXAMPLE_ENV)
    policy = config.policy()
    assert policy.max_gap_days == 21
    assert policy.team_max_gap_days == {"platform": 14}
    assert policy.holidays == frozenset({date(2026, 12, 25), date(2026, 12, 26)})
    assert policy.reschedule.proposals == 3 and policy.reschedule.min_notice_hours == 4
    assert policy.mode == "full"
    rules = config.detection_rules()
    assert rules.domains == ("acme.test",)
    assert rules.service_accounts == ("syncer@acme.test",)
    assert rules.title_exclude == ("(?i)interview",)


def test_unset_sections_take_their_documented_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), env={})
    assert config.mode == "full"
    assert config.people_source == "config"
    assert config.schedule.sweep_minutes == 60 and config.schedule.renew_hours == 12
    assert config.schedule.push_sweep_minutes == 1440  # with push on, the sweep is daily
    assert config.limits.max_writes_per_run == 500
    assert config.web.bind == "127.0.0.1:8080" and config.web.admin_token is None
    assert config.redis_url is None
    assert config.agenda_sections() is None  # the built-in template
    assert config.detection_rules().title_exclude == ("(?i)interview",)
    assert config.policy().opt_out_keyword == "#no-syncer"


def test_microsoft_authority_defaults_to_the_tenant_login_url(tmp_path: Path) -> None:
    text = MINIMAL + "  microsoft: {tenant_id: t-1, client_id: c, client_secret: s}\n"
    config = load_config(write(tmp_path, text), env={})
    assert config.providers.microsoft is not None
    assert config.providers.microsoft.authority == "https://login.microsoftonline.com/t-1"
    assert config.providers.microsoft.graph_endpoint == "https://graph.microsoft.com/v1.0"


def test_pilot_allows_listed_addresses_and_domains_only(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL + "pilot: [ana@acme.test, beta.test]\n"), env={})
    assert config.in_pilot("ANA@acme.test")
    assert config.in_pilot("zoe@beta.test")
    assert not config.in_pilot("bob@acme.test")
    assert load_config(write(tmp_path, MINIMAL), env={}).in_pilot("bob@acme.test")


def test_agenda_template_may_be_inline_or_a_file_next_to_the_config(tmp_path: Path) -> None:
    inline = MINIMAL + "agenda:\n  template: [{heading: Wins, prompts: ['What went well?']}]\n"
    sections = load_config(write(tmp_path, inline), env={}).agenda_sections()
    assert sections is not None and [s.heading for s in sections] == ["Wins"]

    write(tmp_path, "- heading: Blockers\n  prompts: [Anything stuck?]\n", "agenda.yaml")
    from_file = load_config(write(tmp_path, MINIMAL + "agenda: {template: agenda.yaml}\n"), env={})
    sections = from_file.agenda_sections()
    assert sections is not None
    assert [(s.heading, s.prompts) for s in sections] == [("Blockers", ("Anything stuck?",))]


# --------------------------------------------------------------------------------------------
# Problems: each names its key path and line


def test_unknown_time_zone_names_person_key_and_line(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "  - email: bob@acme.test\n",
        "  - email: bob@acme.test\n    timezone: Mars/Olympus\n",
    )
    assert problems_of(tmp_path, text) == [
        "people[1].timezone (line 8): unknown time zone 'Mars/Olympus'"
    ]


@pytest.mark.parametrize(
    ("addition", "expected"),
    [
        (
            "policy:\n  max_gap_dayz: 3\n",
            "policy.max_gap_dayz (line 14): unknown key 'max_gap_dayz' (did you mean "
            "'max_gap_days'?)",
        ),
        ("colour: blue\n", "colour (line 13): unknown key 'colour'"),
        (
            "policy:\n  max_gap_days: soon\n",
            "policy.max_gap_days (line 14): Input should be a valid integer",
        ),
        ("policy:\n  max_gap_days: 0\n", "policy.max_gap_days (line 14): Input should be greater"),
        ("detection: []\n", "detection (line 13): Input should be a valid dictionary"),
        (
            "detection:\n  title_include: ['(?i)1:1', '[unclosed']\n",
            "detection.title_include[1] (line 14): invalid regular expression '[unclosed'",
        ),
        (
            "detection: {min_minutes: 60, max_minutes: 30}\n",
            "detection (line 13): min_minutes (60) is more than max_minutes (30)",
        ),
        ("mode: everything\n", "mode (line 13): Input should be 'observe', 'propose' or 'full'"),
        ("pilot: ['not an address']\n", "pilot[0] (line 13): not a valid e-mail address or do"),
        ("web: {bind: localhost}\n", "web.bind (line 13): expected host:port"),
        ("redis_url: localhost:6379\n", "redis_url (line 13): expected a redis://, rediss://"),
        ("policy:\n  holidays: [someday]\n", "policy.holidays[0] (line 14): Input should be a va"),
        ("schedule: {agenda_hour: 24}\n", "schedule.agenda_hour (line 13): Input should be less"),
        (
            "agenda: {template: 7}\n",
            'agenda.template (line 13): expected "default", a file path, or a list',
        ),
        (
            "agenda: {template: missing.yaml}\n",
            "agenda.template (line 13): missing.yaml: file not found",
        ),
    ],
)
def test_each_wrong_value_is_reported_at_its_key_and_line(
    tmp_path: Path, addition: str, expected: str
) -> None:
    problems = problems_of(tmp_path, MINIMAL + addition)
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        ('"9-17"', 'expected a range like "09:00-17:00" or "off"'),
        ('"17:00-09:00"', "the end must be after the start"),
        ('"09:00-25:00"', "times must be between 00:00 and 23:59"),
        ('{mon: "09:00-17:00", funday: off}', "unknown weekday 'funday'"),
        ('{mon: "09:00-17:00", tue: later}', "tue: expected a range"),
        ("{sat: off, sun: off}", "no working day"),
        ("[mon]", 'expected "09:00-17:00" or a mapping of weekdays'),
    ],
)
def test_bad_working_hours_are_reported_at_the_person(
    tmp_path: Path, hours: str, expected: str
) -> None:
    text = MINIMAL.replace(
        "    manager: ana@acme.test\n",
        f"    manager: ana@acme.test\n    working_hours: {hours}\n",
    )
    [problem] = problems_of(tmp_path, text)
    assert problem.startswith("people[1].working_hours (line 10): ")
    assert expected in problem


def test_invalid_domain_is_reported(tmp_path: Path) -> None:
    text = MINIMAL.replace("domains: [acme.test]", "domains: [acme.test, acme]")
    assert "domains[1] (line 2): not a valid domain: 'acme'" in problems_of(tmp_path, text)


def test_bad_agenda_template_file_is_reported_with_its_own_line(tmp_path: Path) -> None:
    write(tmp_path, "- heading: Wins\n- prompts: [x]\n", "agenda.yaml")
    text = MINIMAL + "agenda: {template: agenda.yaml}\n"
    assert problems_of(tmp_path, text) == [
        "agenda.template (line 13): agenda.yaml [1].heading (line 2): required, but missing"
    ]


def test_invalid_email_is_reported(tmp_path: Path) -> None:
    text = MINIMAL.replace("email: bob@acme.test", "email: bob-at-acme.test")
    problems = problems_of(tmp_path, text)
    assert "people[1].email (line 7): not a valid e-mail address: 'bob-at-acme.test'" in problems


def test_manager_who_is_not_a_person_is_reported(tmp_path: Path) -> None:
    text = MINIMAL.replace("manager: ana@acme.test", "manager: zed@acme.test")
    assert problems_of(tmp_path, text) == [
        "people[1].manager (line 9): zed@acme.test is not a person in people"
    ]


def test_manager_may_be_outside_the_config_when_people_come_from_a_directory(
    tmp_path: Path,
) -> None:
    text = MINIMAL.replace("manager: ana@acme.test", "manager: zed@acme.test")
    config, problems = check_config(
        write(tmp_path, text + "people_source: google_directory\n"), env={}
    )
    assert problems == [] and config is not None


def test_person_cannot_be_their_own_manager(tmp_path: Path) -> None:
    text = MINIMAL.replace("manager: ana@acme.test", "manager: BOB@acme.test")
    assert problems_of(tmp_path, text) == [
        "people[1].manager (line 9): a person cannot be their own manager"
    ]


def test_duplicate_people_are_found_case_insensitively(tmp_path: Path) -> None:
    text = MINIMAL.replace("email: bob@acme.test", "email: ANA@acme.test").replace(
        "    manager: ana@acme.test\n", ""
    )
    assert problems_of(tmp_path, text) == [
        "people[1].email (line 7): ana@acme.test is listed twice; also at people[0].email (line 5)"
    ]


def test_an_alias_that_is_another_persons_address_is_a_duplicate(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "    manager: ana@acme.test\n", "    manager: ana@acme.test\n    aliases: [Ana@acme.test]\n"
    )
    [problem] = problems_of(tmp_path, text)
    assert problem.startswith("people[1].aliases[0] (line 10): ana@acme.test is listed twice")


def test_person_whose_provider_has_no_section_is_reported(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "email: bob@acme.test\n    provider: google",
        "email: bob@acme.test\n    provider: microsoft",
    )
    assert problems_of(tmp_path, text) == [
        "people[1].provider (line 8): there is no providers.microsoft section"
    ]


def test_missing_required_keys_are_reported(tmp_path: Path) -> None:
    text = MINIMAL.replace("org: acme\n", "").replace(
        "    provider: google\n  - email: bob", "  - email: bob"
    )
    problems = problems_of(tmp_path, text)
    assert "org: required, but missing" in problems
    assert "people[0].provider (line 4): required, but missing" in problems


def test_no_people_is_a_problem_when_they_come_from_the_config(tmp_path: Path) -> None:
    text = "org: acme\ndomains: [acme.test]\npeople: []\n"
    assert problems_of(tmp_path, text) == [
        "people (line 3): no people: list at least one (or use a directory source)"
    ]


def test_every_problem_is_collected_not_just_the_first(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace("org: acme", "org: ACME")
        .replace("timezone: Europe/Berlin", "timezone: Europe/Atlantis")
        .replace("manager: ana@acme.test", "manager: zed@acme.test")
        + "limits: {max_writes_per_run: many}\n"
    )
    assert problems_of(tmp_path, text) == [
        "org (line 1): use lower-case letters, digits and '-' only, got 'ACME'",
        "timezone (line 3): unknown time zone 'Europe/Atlantis'",
        "people[1].manager (line 9): zed@acme.test is not a person in people",
        "limits.max_writes_per_run (line 13): Input should be a valid integer, unable to parse "
        "string as an integer, got 'many'",
    ]


def test_load_config_raises_config_error_carrying_every_problem(tmp_path: Path) -> None:
    text = MINIMAL.replace("org: acme", "org: ACME") + "colour: blue\n"
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env={})
    assert len(caught.value.problems) == 2
    assert all(isinstance(p, ConfigProblem) for p in caught.value.problems)
    assert "colour (line 13): unknown key 'colour'" in str(caught.value)
    assert caught.value.exit_code == 2


# --------------------------------------------------------------------------------------------
# The file itself


def test_malformed_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    text = MINIMAL + "policy:\n  max_gap_days: [21\n  new_hire_days: 90\n"
    [problem] = problems_of(tmp_path, text)
    assert problem.startswith("(top level) (line ")
    assert "invalid YAML" in problem


def test_a_key_given_twice_is_reported(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path, MINIMAL + "org: other\n")
    assert "invalid YAML" in problem and "duplicate" in problem and "(line 13)" in problem


def test_a_file_that_does_not_exist_is_reported(tmp_path: Path) -> None:
    config, problems = check_config(tmp_path / "nope.yaml", env={})
    assert config is None
    assert [str(p) for p in problems] == [f"(top level): file not found: {tmp_path / 'nope.yaml'}"]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_an_empty_file_is_reported(tmp_path: Path, text: str) -> None:
    assert problems_of(tmp_path, text) == ["(top level): the file is empty"]


def test_a_file_that_is_not_a_mapping_is_reported(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "- org: acme\n") == [
        "(top level) (line 1): expected a mapping, got a list"
    ]


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("org: caf\xe9\n".encode("latin-1"))
    config, problems = check_config(path, env={})
    assert config is None and "not UTF-8" in str(problems[0])


# --------------------------------------------------------------------------------------------
# Environment variables and secrets


def test_variables_are_substituted_anywhere_in_a_string(tmp_path: Path) -> None:
    text = MINIMAL.replace("/etc/syncer/sa.json", "${KEYS}/sa-${ORG}.json")
    config = load_config(write(tmp_path, text), env={"KEYS": "/run/keys", "ORG": "acme"})
    assert config.providers.google is not None
    assert config.providers.google.service_account_file == "/run/keys/sa-acme.json"


def test_an_unset_variable_names_itself_and_its_key(tmp_path: Path) -> None:
    text = MINIMAL.replace("/etc/syncer/sa.json", "${KEYS}/sa.json")
    assert problems_of(tmp_path, text) == [
        "providers.google.service_account_file (line 12): environment variable KEYS is not set"
    ]


def test_an_unset_variable_in_a_validated_value_is_reported_once(tmp_path: Path) -> None:
    text = MINIMAL + "web: {public_url: '${PUBLIC_URL}'}\n"
    assert problems_of(tmp_path, text) == [
        "web.public_url (line 13): environment variable PUBLIC_URL is not set"
    ]


def test_the_process_environment_is_used_when_none_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNCER_TEST_KEYS", "/from/env")
    text = MINIMAL.replace("/etc/syncer/sa.json", "${SYNCER_TEST_KEYS}/sa.json")
    config = load_config(write(tmp_path, text))
    assert config.providers.google is not None
    assert config.providers.google.service_account_file == "/from/env/sa.json"


def test_secrets_never_show_in_repr_str_or_dumps() -> None:
    config = load_config(EXAMPLE, env=EXAMPLE_ENV)
    shown = [repr(config), str(config), config.model_dump_json(), repr(config.providers)]
    for text in shown:
        assert "ms-secret-value" not in text
        assert "admin-token-value" not in text
    assert config.web.admin_token is not None
    assert config.web.admin_token.get_secret_value() == "admin-token-value"


def test_a_secret_of_the_wrong_type_is_not_echoed(tmp_path: Path) -> None:
    text = MINIMAL + "  microsoft: {tenant_id: t, client_id: c, client_secret: 123456}\n"
    [problem] = problems_of(tmp_path, text)
    assert problem.startswith("providers.microsoft.client_secret (line 13): ")
    assert "123456" not in problem


# --------------------------------------------------------------------------------------------
# The JSON Schema


def test_schema_file_is_in_step_with_the_models() -> None:
    """If this fails, regenerate: `python -m syncer.config > config/schema.json`."""
    on_disk = json.loads((ROOT / "config" / "schema.json").read_text(encoding="utf-8"))
    assert on_disk == json_schema(), "run: python -m syncer.config > config/schema.json"


def test_schema_forbids_unknown_keys_and_marks_secrets() -> None:
    schema = json_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"org", "domains"}
    microsoft = schema["$defs"]["MicrosoftProvider"]["properties"]
    assert microsoft["client_secret"].get("writeOnly") is True
