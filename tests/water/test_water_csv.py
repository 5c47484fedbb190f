"""CSV export of the water report."""

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from custom_components.municipal_iot.water.csv_export import COLUMNS, report_csv, report_filename
from custom_components.municipal_iot.water.report import MeterMeta, Report, compute_report

TZ = ZoneInfo("Europe/Stockholm")
H = timedelta(hours=1)
DAY_START = datetime(2025, 10, 1, tzinfo=TZ)  # 2025-09-30 22:00 UTC
DAY_END = datetime(2025, 10, 2, tzinfo=TZ)


def rows(first_end: datetime, litres: list[int | None]) -> list[dict[str, float]]:
    out: list[dict[str, float]] = []
    first: int | None = None
    for index, value in enumerate(litres):
        if value is None:
            continue
        first = value if first is None else first
        start = first_end + H * (index - 1)
        out.append(
            {"start": start.timestamp(), "state": value / 1000, "sum": (value - first) / 1000}
        )
    return out


def sample_report() -> Report:
    metas = [
        MeterMeta(entity_id="sensor.a", name="Lgh 1001", area="Hus A"),
        MeterMeta(entity_id="sensor.b", name='=HYPERLINK("x")', area="Hus A"),
        MeterMeta(
            entity_id="sensor.c",
            name="Förråd; källare",
            leak=True,
            alarms=("leak", "low_battery"),
        ),
    ]
    first_end = datetime(2025, 9, 30, 22, tzinfo=UTC)
    data = {
        "sensor.a": rows(first_end, [123_456 + 10 * i for i in range(25)]),
        "sensor.c": rows(
            first_end - H, [1_000, None, 1_020, *[1_020 + 5 * i for i in range(1, 24)]]
        ),
    }
    return compute_report(DAY_START, DAY_END, metas, data)


EXPECTED_EN = (
    "row_type;entity_id;name;area;start_time;start_reading_m3;start_estimated;end_time;"
    "end_reading_m3;end_estimated;consumption_m3;completeness_pct;hours_with_data;"
    "hours_in_period;meters;flags;alarms;leak\r\n"
    "meter;sensor.a;Lgh 1001;Hus A;2025-10-01 00:00;123.456;no;2025-10-02 00:00;123.696;no;"
    "0.240;100.0;24;24;;;;no\r\n"
    'meter;sensor.b;"\'=HYPERLINK(""x"")";Hus A;;;;;;;;0.0;0;24;;no_data;;no\r\n'
    'meter;sensor.c;"Förråd; källare";;2025-10-01 00:00;1.010;yes;2025-10-02 00:00;1.135;no;'
    "0.125;100.0;24;24;;estimated, leak, alarm;leak, low_battery;yes\r\n"
    "area;;;Hus A;;;;;;;0.240;50.0;24;48;2;;;\r\n"
    "area;;;(no area);;;;;;;0.125;100.0;24;24;1;;;\r\n"
    "total;;;;;;;;;;0.365;66.7;48;72;3;;;\r\n"
)

EXPECTED_SV = (
    "\ufeffRadtyp;Entitets-id;Namn;Område;Starttid;Mätarställning start (m³);Start uppskattad;"
    "Sluttid;Mätarställning slut (m³);Slut uppskattad;Förbrukning (m³);Fullständighet (%);"
    "Timmar med data;Timmar i perioden;Antal mätare;Anmärkningar;Larm;Läcka\r\n"
    "mätare;sensor.a;Lgh 1001;Hus A;2025-10-01 00:00;123,456;nej;2025-10-02 00:00;123,696;nej;"
    "0,240;100,0;24;24;;;;nej\r\n"
    'mätare;sensor.b;"\'=HYPERLINK(""x"")";Hus A;;;;;;;;0,0;0;24;;saknar data;;nej\r\n'
    'mätare;sensor.c;"Förråd; källare";;2025-10-01 00:00;1,010;ja;2025-10-02 00:00;1,135;nej;'
    "0,125;100,0;24;24;;uppskattad, läcka, larm;läcka, lågt batteri;ja\r\n"
    "område;;;Hus A;;;;;;;0,240;50,0;24;48;2;;;\r\n"
    "område;;;(inget område);;;;;;;0,125;100,0;24;24;1;;;\r\n"
    "totalt;;;;;;;;;;0,365;66,7;48;72;3;;;\r\n"
)


def test_default_csv() -> None:
    assert report_csv(sample_report(), TZ) == EXPECTED_EN


def test_swedish_csv_with_decimal_comma_and_bom() -> None:
    text = report_csv(sample_report(), TZ, decimal_comma=True, bom=True, language="sv")
    assert text == EXPECTED_SV
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")


def test_comma_separator_quotes_decimal_commas() -> None:
    text = report_csv(sample_report(), TZ, separator=",", decimal_comma=True)
    lines = text.split("\r\n")
    assert lines[1] == (
        'meter,sensor.a,Lgh 1001,Hus A,2025-10-01 00:00,"123,456",no,2025-10-02 00:00,'
        '"123,696",no,"0,240","100,0",24,24,,,,no'
    )
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == list(COLUMNS)
    assert parsed[3][2] == "Förråd; källare"
    assert parsed[3][15] == "estimated, leak, alarm"


def test_timestamps_follow_the_given_zone_and_decimals() -> None:
    lines = report_csv(sample_report(), UTC, decimals=2).split("\r\n")
    assert lines[1].split(";")[4:11] == [
        "2025-09-30 22:00",
        "123.46",
        "no",
        "2025-10-01 22:00",
        "123.70",
        "no",
        "0.24",
    ]


def test_filename_for_a_month() -> None:
    start = datetime(2025, 10, 1, tzinfo=TZ)
    end = datetime(2025, 11, 1, tzinfo=TZ)
    name = report_filename(start, end, "Vattenrapport Hus A")
    assert name == "Vattenrapport_Hus_A_2025-10-01_2025-10-31.csv"
    # UTC bounds with the zone given produce the same local dates.
    assert (
        report_filename(start.astimezone(UTC), end.astimezone(UTC), "Vattenrapport Hus A", tz=TZ)
        == name
    )


def test_filename_for_a_day_and_for_odd_bounds() -> None:
    assert report_filename(DAY_START, DAY_END, "daily") == "daily_2025-10-01.csv"
    start = datetime(2025, 10, 1, 6, 30, tzinfo=TZ)
    assert (
        report_filename(start, start + timedelta(days=7), "week", extension="TXT")
        == "week_2025-10-01T0630_2025-10-08T0630.txt"
    )


def test_filename_is_safe() -> None:
    name = report_filename(DAY_START, DAY_END, "../../etc/passwd")
    assert name == "etc_passwd_2025-10-01.csv"
    assert (
        report_filename(DAY_START, DAY_END, "Förbrukning Älvsjö")
        == "Forbrukning_Alvsjo_2025-10-01.csv"
    )
    assert report_filename(DAY_START, DAY_END, "///", extension="/..") == "report_2025-10-01.csv"
    long_name = report_filename(DAY_START, DAY_END, "x" * 300)
    assert long_name == "x" * 80 + "_2025-10-01.csv"
    assert "/" not in name
    assert "\\" not in report_filename(DAY_START, DAY_END, "a\\b")
