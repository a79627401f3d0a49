"""Travel times between halls, and from a citizen's place to each hall, for cloud calling's
recommendations (``central/city.py``): from the halls' (latitude, longitude), a fixed overhead
plus the straight distance at a city speed; a default between halls of which one has no
location.
"""

import math

import numpy as np

from central.balancer import TravelTimes


class HallTravel(TravelTimes):
    """Travel times from the halls' (latitude, longitude): ``overhead_s`` plus the straight
    distance at ``speed_kmh``; ``default_s`` between two halls when either has no location."""

    def __init__(self, locations: list[tuple[float, float] | None], speed_kmh: float,
                 overhead_s: float, default_s: float) -> None:
        known = [loc for loc in locations if loc is not None]
        self.lat0 = math.radians(sum(lat for lat, _ in known) / len(known)) if known else 0.0
        xy = [self._km(*loc) if loc is not None else (math.nan, math.nan) for loc in locations]
        super().__init__(xy_km=np.array(xy, dtype=float).reshape(-1, 2), speed_kmh=speed_kmh,
                         overhead_s=overhead_s)
        self.default_s = default_s

    def _km(self, lat: float, lon: float) -> tuple[float, float]:
        return lon * 111.32 * math.cos(self.lat0), lat * 110.57

    def from_point(self, lat: float, lon: float) -> np.ndarray:
        """Seconds from a place (a citizen at home) to every hall: ``overhead_s`` plus the
        straight distance; ``default_s`` to a hall without a location."""
        found = self.from_km(*self._km(lat, lon))
        return np.where(np.isnan(found), self.default_s, found)

    def row(self, origin: int) -> np.ndarray:
        """Seconds from hall ``origin`` to every hall."""
        found = self._rows.get(origin)
        if found is None:
            assert self.xy is not None
            found = self.from_km(*self.xy[origin])
            found = np.where(np.isnan(found), self.default_s, found)
            found[origin] = 0.0
            if len(self._rows) < 4096:
                self._rows[origin] = found
        return found

