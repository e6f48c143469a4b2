"""Points on the Earth for nearest-neighbour questions: a k-d tree over unit vectors finds the nearest point
by chord length, which orders points exactly as the great-circle distance does."""

import math
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
from django.conf import settings

EARTH_KM = 6371.0


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """(n, 3) unit vectors of points given in degrees."""
    lat, lon = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def chord_km(chord: float) -> float:
    """The great-circle distance, in km, of two points whose unit vectors are ``chord`` apart."""
    return 2 * EARTH_KM * math.asin(min(1.0, chord / 2))


@dataclass(frozen=True)
class TileServer:
    url: str  # "" for none
    attribution: str
    host: str  # named on the page: it sees the area a visitor looks at


def tile_server() -> TileServer:
    """The maps' tile server (settings.TILE_URL; none by default: dots on a blank map, nothing from any other
    host), for the lookup's page and mirror and the actions' places."""
    return TileServer(settings.TILE_URL, settings.TILE_ATTRIBUTION, urlsplit(settings.TILE_URL).netloc)
