"""Unit conversions at the edges of iamd.

Everything inside is SI (m, s, m/s, rad, kg, USD); YAML, CLI flags and reports use degrees,
km, ft, knots and dB. This module is the one place where the two meet.

>>> round(km_to_m(1.5))
1500
>>> round(kt_to_m_s(450.0), 2)
231.5
"""

import math

import numpy as np
import numpy.typing as npt

FT_M = 0.3048
NMI_M = 1852.0
KT_M_S = NMI_M / 3600.0
KMH_M_S = 1000.0 / 3600.0

FloatArray = npt.NDArray[np.float64]


def km_to_m(x_km: float) -> float:
    """Kilometres to metres."""
    return x_km * 1000.0


def m_to_km(x_m: float) -> float:
    """Metres to kilometres."""
    return x_m / 1000.0


def ft_to_m(x_ft: float) -> float:
    """Feet to metres."""
    return x_ft * FT_M


def kt_to_m_s(x_kt: float) -> float:
    """Knots to metres per second."""
    return x_kt * KT_M_S


def kmh_to_m_s(x_kmh: float) -> float:
    """Kilometres per hour to metres per second."""
    return x_kmh * KMH_M_S


def db_to_ratio(x_db: float) -> float:
    """Decibels (power) to a linear ratio: ``10 ** (x_db / 10)``."""
    return float(10.0 ** (x_db / 10.0))


def ratio_to_db(x: float) -> float:
    """A linear power ratio to decibels."""
    return 10.0 * math.log10(x)
