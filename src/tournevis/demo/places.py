"""Where the demo network stands: cities, their districts, streets, postal codes and phone plans.

Pure data and pure helpers (no Django). Regions are ISO 3166-2 subdivisions that
``core.domain.clean_subdivision`` accepts; Strasbourg uses ``6AE`` (Collectivité européenne d'Alsace),
which is also the code the ``holidays`` package knows for the Alsace-Moselle public holidays.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from tournevis.core.domain import clean_phone
from tournevis.core.errors import InvalidInput


@dataclass(frozen=True)
class District:
    name: str
    lat: float
    lon: float
    postal_codes: tuple[str, ...]
    streets: tuple[str, ...]
    ward: str = ""  # Japanese addresses: the ward (ku) goes on the second address line


@dataclass(frozen=True)
class City:
    code: str  # three letters, used in site codes
    name: str
    country: str
    region: str
    timezone: str
    language: str  # the language of organisations based there (ja is no UI language: en)
    phone_prefixes: tuple[tuple[str, int], ...]  # (E.164 prefix, digits that follow)
    weight: float
    districts: tuple[District, ...]


def _d(name: str, lat: float, lon: float, postal: str, streets: str, ward: str = "") -> District:
    postal_codes = postal.split("|") if "|" in postal else postal.split()  # Canadian codes contain a space
    return District(name, lat, lon, tuple(postal_codes), tuple(s.strip() for s in streets.split(";")), ward)


CITIES: tuple[City, ...] = (
    City("PAR", "Paris", "FR", "IDF", "Europe/Paris", "fr", (("+331", 8),), 4.0, (
        _d("Opéra", 48.8720, 2.3320, "75009", "boulevard Haussmann; rue de la Chaussée-d'Antin; rue Auber"),
        _d("Bastille", 48.8532, 2.3692, "75011 75012",
           "rue de la Roquette; boulevard Richard-Lenoir; rue du Faubourg-Saint-Antoine"),
        _d("Montparnasse", 48.8421, 2.3219, "75014 75015",
           "boulevard du Montparnasse; avenue du Maine; rue de Rennes"),
        _d("Batignolles", 48.8848, 2.3190, "75017", "rue des Batignolles; avenue de Clichy; rue Legendre"),
        _d("Nation", 48.8483, 2.3959, "75012 75020",
           "cours de Vincennes; boulevard de Charonne; avenue du Trône"),
        _d("Châtelet", 48.8590, 2.3470, "75001", "rue de Rivoli; rue Saint-Honoré; boulevard de Sébastopol"),
        _d("Italie", 48.8310, 2.3560, "75013", "avenue d'Italie; boulevard Auguste-Blanqui; rue de Tolbiac"),
    )),
    City("LYS", "Lyon", "FR", "ARA", "Europe/Paris", "fr", (("+334", 8),), 2.0, (
        _d("Presqu'île", 45.7600, 4.8350, "69002",
           "rue de la République; rue Victor-Hugo; quai Saint-Antoine"),
        _d("Part-Dieu", 45.7610, 4.8570, "69003", "rue Garibaldi; boulevard Vivier-Merle; cours Lafayette"),
        _d("Croix-Rousse", 45.7750, 4.8310, "69004",
           "boulevard de la Croix-Rousse; Grande Rue de la Croix-Rousse"),
        _d("Gerland", 45.7330, 4.8330, "69007", "avenue Jean-Jaurès; rue de Gerland; avenue Tony-Garnier"),
        _d("Vaise", 45.7740, 4.8050, "69009", "rue de Bourgogne; quai du Commerce; rue Marietton"),
    )),
    City("SXB", "Strasbourg", "FR", "6AE", "Europe/Paris", "fr", (("+333", 8),), 2.0, (
        _d("Grande Île", 48.5830, 7.7460, "67000",
           "rue des Grandes-Arcades; place Kléber; rue du Vieux-Marché-aux-Poissons"),
        _d("Neudorf", 48.5660, 7.7600, "67100", "avenue de Colmar; route du Polygone; rue du Landsberg"),
        _d("Esplanade", 48.5790, 7.7670, "67000",
           "boulevard de la Victoire; rue de Boston; allée René-Capitant"),
        _d("Meinau", 48.5510, 7.7490, "67100", "route de Colmar; rue de la Plaine-des-Bouchers"),
        _d("Cronenbourg", 48.5930, 7.7160, "67200", "route de Mittelhausbergen; rue de Hochfelden"),
    )),
    City("MRS", "Marseille", "FR", "PAC", "Europe/Paris", "fr", (("+334", 8),), 1.5, (
        _d("Vieux-Port", 43.2960, 5.3750, "13001", "La Canebière; rue de la République; quai des Belges"),
        _d("Castellane", 43.2860, 5.3840, "13006", "rue de Rome; boulevard Baille; rue Paradis"),
        _d("Prado", 43.2700, 5.3900, "13008", "avenue du Prado; boulevard Michelet; boulevard Rabatau"),
        _d("La Joliette", 43.3060, 5.3670, "13002", "boulevard de Dunkerque; quai d'Arenc; rue Mazenod"),
    )),
    City("LIL", "Lille", "FR", "HDF", "Europe/Paris", "fr", (("+333", 8),), 1.5, (
        _d("Vieux-Lille", 50.6400, 3.0620, "59800", "rue Esquermoise; rue de la Grande-Chaussée; rue Royale"),
        _d("Euralille", 50.6370, 3.0750, "59777", "avenue Willy-Brandt; boulevard de Turin"),
        _d("Wazemmes", 50.6250, 3.0480, "59000",
           "rue des Sarrazins; rue Gambetta; place de la Nouvelle-Aventure"),
        _d("Fives", 50.6330, 3.0900, "59800", "rue Pierre-Legrand; rue de Lannoy"),
    )),
    City(
        "YTO", "Toronto", "CA", "ON", "America/Toronto", "en",
        (("+1416", 7), ("+1647", 7), ("+1437", 7)), 3.0, (
        _d("Financial District", 43.6480, -79.3810, "M5H 2N2|M5J 2J2|M5X 1A9",
           "King Street West; Bay Street; Adelaide Street West"),
        _d("Yorkville", 43.6710, -79.3930, "M5R 1B2|M4W 3E2", "Bloor Street West; Yonge Street; Avenue Road"),
        _d("Liberty Village", 43.6380, -79.4200, "M6K 3E3|M6K 1X9",
           "Liberty Street; East Liberty Street; Atlantic Avenue"),
        _d("Scarborough", 43.7760, -79.2580, "M1P 4P5|M1H 3G3",
           "Progress Avenue; Brimley Road; Ellesmere Road"),
        _d("North York", 43.7680, -79.4130, "M2N 6K1|M2N 5N1",
           "Yonge Street; Sheppard Avenue East; Finch Avenue West"),
        _d("Etobicoke", 43.6205, -79.5132, "M8Z 5P7|M9C 1B8",
           "The Queensway; Bloor Street West; Kipling Avenue"),
    )),
    City("YOW", "Ottawa", "CA", "ON", "America/Toronto", "en", (("+1613", 7), ("+1343", 7)), 1.5, (
        _d("Centretown", 45.4200, -75.6950, "K1P 5G3|K2P 1L4", "Sparks Street; Bank Street; Elgin Street"),
        _d("ByWard Market", 45.4290, -75.6920, "K1N 7C2|K1N 5T5",
           "Rideau Street; Dalhousie Street; George Street"),
        _d("Westboro", 45.3920, -75.7540, "K1Z 6R8|K1Z 7H3", "Richmond Road; Churchill Avenue North"),
        _d("Orléans", 45.4760, -75.5140, "K1C 1T1|K4A 3N3", "St. Joseph Boulevard; Innes Road"),
    )),
    City("YMQ", "Montréal", "CA", "QC", "America/Toronto", "fr", (("+1514", 7), ("+1438", 7)), 3.0, (
        _d("Centre-ville", 45.5010, -73.5700, "H3B 4W8|H3A 1G1",
           "rue Sainte-Catherine Ouest; boulevard René-Lévesque Ouest; rue Peel"),
        _d("Plateau-Mont-Royal", 45.5250, -73.5810, "H2J 1W8|H2T 2S6",
           "avenue du Mont-Royal Est; boulevard Saint-Laurent; rue Saint-Denis"),
        _d("Vieux-Montréal", 45.5040, -73.5560, "H2Y 1L6|H2Y 1N3",
           "rue Saint-Jacques; rue Notre-Dame Ouest; rue McGill"),
        _d("Rosemont", 45.5460, -73.5770, "H1X 1N8|H2G 2M3",
           "boulevard Rosemont; rue Masson; rue Beaubien Est"),
        _d("Saint-Laurent", 45.5100, -73.7000, "H4S 1Y2|H4R 1V4",
           "boulevard Marcel-Laurin; boulevard de la Côte-Vertu"),
        _d("Hochelaga", 45.5450, -73.5440, "H1V 1C9|H1W 1R7",
           "rue Ontario Est; rue Sainte-Catherine Est; avenue Pie-IX"),
    )),
    City("YQB", "Québec", "CA", "QC", "America/Toronto", "fr", (("+1418", 7), ("+1581", 7)), 1.5, (
        _d("Vieux-Québec", 46.8110, -71.2100, "G1R 4P5|G1R 3Z1",
           "rue Saint-Jean; rue Saint-Louis; côte de la Fabrique"),
        _d("Saint-Roch", 46.8140, -71.2250, "G1K 3A9|G1K 2L3", "boulevard Charest Est; rue Saint-Joseph Est"),
        _d("Sainte-Foy", 46.7760, -71.2860, "G1V 4W2|G1V 2L1", "boulevard Laurier; chemin Sainte-Foy"),
        _d("Lebourgneuf", 46.8400, -71.2900, "G2J 1E3|G2K 2C6",
           "boulevard Lebourgneuf; boulevard Pierre-Bertrand"),
    )),
    City("TYO", "Tokyo", "JP", "13", "Asia/Tokyo", "en", (("+813", 8),), 3.0, (
        _d("Marunouchi", 35.6812, 139.7671, "100-0005", "Marunouchi", "Chiyoda-ku"),
        _d("Otemachi", 35.6867, 139.7640, "100-0004", "Otemachi", "Chiyoda-ku"),
        _d("Ginza", 35.6717, 139.7650, "104-0061", "Ginza", "Chuo-ku"),
        _d("Nihonbashi", 35.6840, 139.7740, "103-0027", "Nihonbashi", "Chuo-ku"),
        _d("Nishi-Shinjuku", 35.6900, 139.6950, "160-0023", "Nishi-Shinjuku", "Shinjuku-ku"),
        _d("Shibuya", 35.6580, 139.7016, "150-0002", "Shibuya", "Shibuya-ku"),
        _d("Ikebukuro", 35.7295, 139.7109, "171-0022", "Minami-Ikebukuro", "Toshima-ku"),
        _d("Shinagawa", 35.6285, 139.7387, "108-0075", "Konan", "Minato-ku"),
    )),
    City("OSA", "Osaka", "JP", "27", "Asia/Tokyo", "en", (("+816", 8),), 2.0, (
        _d("Umeda", 34.7025, 135.4959, "530-0001", "Umeda", "Kita-ku"),
        _d("Kitahama", 34.6920, 135.5060, "541-0041", "Kitahama", "Chuo-ku"),
        _d("Namba", 34.6655, 135.5010, "542-0076", "Namba", "Chuo-ku"),
        _d("Kyutaromachi", 34.6840, 135.5000, "541-0056", "Kyutaromachi", "Chuo-ku"),
        _d("Abeno", 34.6460, 135.5130, "545-0052", "Abenosuji", "Abeno-ku"),
        _d("Shin-Osaka", 34.7330, 135.5000, "532-0011", "Nishinakajima", "Yodogawa-ku"),
    )),
    City("NGO", "Nagoya", "JP", "23", "Asia/Tokyo", "en", (("+8152", 7),), 1.5, (
        _d("Meieki", 35.1709, 136.8815, "450-0002", "Meieki", "Nakamura-ku"),
        _d("Sakae", 35.1681, 136.9080, "460-0008", "Sakae", "Naka-ku"),
        _d("Marunouchi", 35.1780, 136.9000, "460-0002", "Marunouchi", "Naka-ku"),
        _d("Kanayama", 35.1430, 136.9010, "456-0002", "Kanayama-cho", "Atsuta-ku"),
    )),
)

MOBILE_PREFIXES: dict[str, tuple[tuple[str, int], ...]] = {
    "FR": (("+336", 8), ("+337", 8)),
    "JP": (("+8190", 8), ("+8180", 8), ("+8170", 8)),
}

# Areas within which a customer spreads its sites: a French network stays in France, a Québec one
# in Québec (sometimes Ontario too), a Japanese one in Japan.
MARKETS: dict[str, tuple[str, ...]] = {
    "FR": ("PAR", "LYS", "SXB", "MRS", "LIL"),
    "QC": ("YMQ", "YQB"),
    "ON": ("YTO", "YOW"),
    "JP": ("TYO", "OSA", "NGO"),
}

BY_CODE = {city.code: city for city in CITIES}


def phone_number(rng: random.Random, prefixes: tuple[tuple[str, int], ...], country: str) -> str:
    """A number that passes ``clean_phone`` for ``country``, in E.164. North American exchanges start 2-9."""
    for _ in range(100):
        prefix, digits = rng.choice(prefixes)
        tail = "".join(rng.choice("0123456789") for _ in range(digits))
        if prefix.startswith("+1") and tail[0] in "01":
            continue
        try:
            return clean_phone(prefix + tail, country)
        except InvalidInput:
            continue
    raise RuntimeError(f"no valid phone number for {prefixes}")  # pragma: no cover - the plans are valid


def near(rng: random.Random, lat: float, lon: float, metres: float = 1200) -> tuple[float, float]:
    """A point within about ``metres`` of (lat, lon), rounded as ``clean_latitude`` stores it."""
    dlat = rng.uniform(-metres, metres) / 111_320
    dlon = rng.uniform(-metres, metres) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def street_address(rng: random.Random, city: City, district: District) -> tuple[str, str, str]:
    """(street, line 1, line 2) in the local style: ``12 rue Auber``, ``1250, boulevard René-Lévesque
    Ouest``, ``100 King Street West`` / ``Suite 1200``, ``1-9-1 Marunouchi`` / ``Chiyoda-ku``."""
    street = rng.choice(district.streets)
    if city.country == "JP":
        block = f"{rng.randint(1, 4)}-{rng.randint(1, 20)}-{rng.randint(1, 12)}"
        return street, f"{block} {street}", district.ward
    if city.country == "CA" and city.language == "fr":
        suite = f"bureau {rng.randint(1, 30) * 10}" if rng.random() < 0.3 else ""
        return street, f"{rng.randint(10, 2400)}, {street}", suite
    if city.country == "CA":
        suite = f"Suite {rng.randint(1, 30) * 100}" if rng.random() < 0.3 else ""
        return street, f"{rng.randint(10, 2400)} {street}", suite
    number = rng.randint(1, 140)
    suffix = rng.choice(("", "", "", "", " bis"))
    return street, f"{number}{suffix} {street}", ""
