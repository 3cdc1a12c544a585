"""Map datums used in China: positions are stored as phones record them (WGS 84); web maps of
mainland China expect them shifted, AMap (高德), Tencent and Google's China tiles in GCJ-02,
Baidu in BD-09. A WGS 84 point put on those maps lands several hundred metres off.

Pure functions (no Flask, no database). The GCJ-02 shift is the published approximation used by
the open-source converters (eviltransform, coordtransform): accurate to a metre or two, and
identity outside mainland China, where the maps use WGS 84 themselves.
"""

from __future__ import annotations

import math
from enum import StrEnum

from tracker.evidence.exif import Position


class Datum(StrEnum):
    WGS84 = "wgs84"  # GPS, phone photos, OpenStreetMap, most intranet GIS
    GCJ02 = "gcj02"  # 国测局坐标: AMap (高德), Tencent, Google's China tiles
    BD09 = "bd09"  # 百度坐标: Baidu Maps


DATUM_NAMES = {Datum.WGS84: "WGS 84", Datum.GCJ02: "GCJ-02", Datum.BD09: "BD-09"}

# Krasovsky 1940 ellipsoid, as GCJ-02 uses it.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0


def out_of_china(position: Position) -> bool:
    """Outside the rough box of mainland China, where GCJ-02 is WGS 84 unchanged."""
    return not (72.004 <= position.lon <= 137.8347 and 0.8293 <= position.lat <= 55.8271)


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(position: Position) -> Position:
    if out_of_china(position):
        return position
    x, y = position.lon - 105.0, position.lat - 35.0
    rad_lat = math.radians(position.lat)
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = _shift_lat(x, y) * 180.0 / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = _shift_lon(x, y) * 180.0 / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return Position(position.lat + d_lat, position.lon + d_lon)


def gcj02_to_wgs84(position: Position) -> Position:
    """The inverse, by fixed-point iteration (the shift varies slowly: a few steps reach
    millimetres), for coordinates read off AMap and typed in."""
    if out_of_china(position):
        return position
    guess = position
    for _ in range(10):
        shifted = wgs84_to_gcj02(guess)
        d_lat, d_lon = shifted.lat - position.lat, shifted.lon - position.lon
        guess = Position(guess.lat - d_lat, guess.lon - d_lon)
        if abs(d_lat) < 1e-9 and abs(d_lon) < 1e-9:
            break
    return guess


def gcj02_to_bd09(position: Position) -> Position:
    x, y = position.lon, position.lat
    z = math.sqrt(x * x + y * y) + 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) + 0.000003 * math.cos(x * _X_PI)
    return Position(z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065)


def bd09_to_gcj02(position: Position) -> Position:
    x, y = position.lon - 0.0065, position.lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return Position(z * math.sin(theta), z * math.cos(theta))


def from_wgs84(position: Position, datum: Datum) -> Position:
    """A stored (WGS 84) position in the datum a map expects."""
    if datum == Datum.WGS84:
        return position
    gcj = wgs84_to_gcj02(position)
    return gcj02_to_bd09(gcj) if datum == Datum.BD09 else gcj


def to_wgs84(position: Position, datum: Datum) -> Position:
    """A position read off a map in `datum`, as stored (WGS 84)."""
    if datum == Datum.WGS84:
        return position
    gcj = bd09_to_gcj02(position) if datum == Datum.BD09 else position
    return gcj02_to_wgs84(gcj)
