"""The truth of one flying entity, sampled in time.

Every world model (ballistic, cruise, drone, aircraft) produces a :class:`Flight`; the
simulation resamples all flights onto its common clock (``iamd.world.truth``).
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True)
class Flight:
    """Samples of one entity's trajectory, from launch (or take-off) to impact (or landing).

    Attributes:
        t_s: (k,) strictly increasing times, seconds since the scenario epoch.
        pos_ecef_m: (k, 3) ECEF positions (m).
        vel_ecef_m_s: (k, 3) ECEF velocities (m/s).
    """

    t_s: FloatArray
    pos_ecef_m: FloatArray
    vel_ecef_m_s: FloatArray

    @property
    def t_start_s(self) -> float:
        """Time of launch or take-off (s)."""
        return float(self.t_s[0])

    @property
    def t_end_s(self) -> float:
        """Time of impact or landing (s)."""
        return float(self.t_s[-1])
