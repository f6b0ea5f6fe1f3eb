"""The one position parser (page and API): accepted spellings and exact error messages."""

import pytest

from catalog.sky.positions import PositionError, parse_angle, parse_position


@pytest.mark.parametrize(
    "text",
    [
        "150.1 2.2",
        "150.1, +2.2",
        "10:00:24 +02:12:00",
        "10h00m24s +02d12m00s",
        "10 00 24 +02 12 00",
    ],
)
def test_positions_typed_by_people(text):
    c = parse_position(text)
    # 10h00m24s = 150.1 deg exactly; +02:12:00 = 2.2 deg
    assert c.ra.deg == pytest.approx(150.1, abs=1e-9) and c.dec.deg == pytest.approx(2.2, abs=1e-9)


def test_bad_positions_name_the_coordinate(bad_position):
    text, expected = bad_position
    with pytest.raises(PositionError) as exc:
        parse_position(text)
    assert (exc.value.part, str(exc.value)) == expected


def test_angles_alone():
    assert parse_angle("03:32:00", ra=True) == pytest.approx(53.0, abs=1e-12)
    assert parse_angle("-27:48:00", ra=False) == pytest.approx(-27.8, abs=1e-12)
    assert parse_angle("359.5", ra=True) == 359.5
    with pytest.raises(PositionError, match=r"^RA must be in \[0, 360\) deg, got '360'$"):
        parse_angle("360", ra=True)
    with pytest.raises(PositionError, match=r"^not an angle: '25:00:00' \(") as exc:
        parse_angle("25:00:00", ra=True)  # astropy refuses 25 h
    assert exc.value.part == "ra"
