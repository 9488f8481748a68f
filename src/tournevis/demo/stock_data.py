"""The demo's stock data: regions, depots, the parts catalogue and the loaners (see ``stock.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from tournevis.stock.domain import ShippingClass, Unit

# Team code → stock region
REGIONS = {"idf": "FR-IDF", "rhone-alpes": "FR-ARA", "benelux": "BENELUX"}


@dataclass(frozen=True)
class Depot:
    code: str
    name: str
    region: str
    address: str
    latitude: float
    longitude: float
    timezone: str
    main: bool  # a main depot stocks the whole catalogue, the others about half of it


DEPOTS = (
    Depot(
        "DEP-PAR-N",
        "Dépôt Paris Nord",
        "FR-IDF",
        "12 rue des Caboeufs, 92230 Gennevilliers",
        48.9337,
        2.2960,
        "Europe/Paris",
        True,
    ),
    Depot(
        "DEP-PAR-S",
        "Dépôt Paris Sud",
        "FR-IDF",
        "3 rue du Pont des Halles, 94150 Rungis",
        48.7486,
        2.3510,
        "Europe/Paris",
        False,
    ),
    Depot(
        "DEP-LYS",
        "Dépôt Lyon Saint-Priest",
        "FR-ARA",
        "45 rue du Dauphiné, 69800 Saint-Priest",
        45.7050,
        4.9390,
        "Europe/Paris",
        True,
    ),
    Depot(
        "DEP-GRE",
        "Dépôt Grenoble",
        "FR-ARA",
        "8 rue des Glairons, 38400 Saint-Martin-d'Hères",
        45.1760,
        5.7610,
        "Europe/Paris",
        False,
    ),
    Depot(
        "DEP-LIL",
        "Dépôt Lille Lesquin",
        "BENELUX",
        "2 rue de la Haie Plouvier, 59810 Lesquin",
        50.5890,
        3.1110,
        "Europe/Paris",
        False,
    ),
    Depot(
        "DEP-BRU",
        "Dépôt Bruxelles Zaventem",
        "BENELUX",
        "Leuvensesteenweg 510, 1930 Zaventem",
        50.8820,
        4.4720,
        "Europe/Brussels",
        True,
    ),
)
GROUND_WITHIN = {"FR-IDF": 8, "FR-ARA": 24, "BENELUX": 24}
GROUND_BETWEEN = 72
AIR_BETWEEN = 18


@dataclass(frozen=True)
class PartSpec:
    reference: str
    name_en: str
    name_fr: str
    fits: tuple[str, ...]  # category codes, or "Manufacturer/Model"
    cost: int  # euros
    serialised: bool = False
    unit: str = Unit.UNIT.value
    shipping: str = ShippingClass.STANDARD.value
    van: bool = False  # carried in the vans


FRAGILE, HAZARDOUS = ShippingClass.FRAGILE.value, ShippingClass.HAZARDOUS.value
COUNTERS = ("bill-counter", "banknote-sorter")
PARTS = (
    # Bill counters and sorters
    PartSpec("BELT-GFS-220", "Feeder belt", "Courroie d'alimentation", ("bill-counter",), 18, van=True),
    PartSpec("FEED-ROLLER-2", "Feed roller set", "Jeu de rouleaux d'alimentation", COUNTERS, 24, van=True),
    PartSpec("SENSOR-UV-3", "UV counterfeit sensor", "Capteur UV anti-contrefaçon", COUNTERS, 145, True),
    PartSpec("SENSOR-MG-2", "Magnetic ink sensor", "Capteur d'encre magnétique", COUNTERS, 120),
    PartSpec(
        "SENSOR-IR-4", "Infrared double-note sensor", "Capteur infrarouge de double billet", COUNTERS, 95
    ),
    PartSpec("HOPPER-SPRING", "Hopper spring", "Ressort de trémie", ("bill-counter",), 4, van=True),
    PartSpec("STACKER-WHEEL", "Stacker wheel", "Roue d'empileuse", COUNTERS, 16),
    PartSpec(
        "MAINBOARD-GF12",
        "Main board GFS-120",
        "Carte mère GFS-120",
        ("Glory/GFS-120",),
        410,
        True,
        shipping=FRAGILE,
    ),
    PartSpec(
        "DISPLAY-LCD-4", "4-inch LCD display", "Écran LCD 4 pouces", ("bill-counter",), 65, shipping=FRAGILE
    ),
    PartSpec("SORTER-GATE-C2", "Diverter gate", "Aiguillage de tri", ("banknote-sorter",), 88),
    PartSpec(
        "SORTER-BELT-KIT", "Transport belt kit", "Kit de courroies de transport", ("banknote-sorter",), 140
    ),
    PartSpec(
        "CIS-MODULE-M7",
        "Contact image sensor module",
        "Module capteur d'image",
        ("Giesecke+Devrient/BPS M7",),
        1250,
        True,
        shipping=FRAGILE,
    ),
    # Coin counters
    PartSpec("COIN-DISC-303", "Coin sorting disc", "Disque de tri des pièces", ("coin-counter",), 75),
    PartSpec("COIN-BAG-CLAMP", "Coin bag clamp", "Pince de sac à pièces", ("coin-counter",), 9, van=True),
    PartSpec(
        "COIN-MOTOR-24V", "Coin drive motor", "Moteur d'entraînement des pièces", ("coin-counter",), 210, True
    ),
    # Teller cash recyclers
    PartSpec("RECYC-CASSETTE", "Recycling cassette", "Cassette de recyclage", ("cash-recycler",), 680, True),
    PartSpec("RECYC-ESCROW", "Escrow unit", "Module escrow", ("cash-recycler",), 520, True),
    PartSpec("RECYC-ROLLERS", "Transport roller kit", "Kit de rouleaux de transport", ("cash-recycler",), 60),
    PartSpec(
        "RECYC-SAFE-LOCK",
        "Safe electronic lock",
        "Serrure électronique du coffre",
        ("cash-recycler",),
        340,
        True,
    ),
    # Self-service kiosks
    PartSpec(
        "KIOSK-TOUCH-19",
        "19-inch touch screen",
        "Écran tactile 19 pouces",
        ("kiosk",),
        590,
        True,
        shipping=FRAGILE,
    ),
    PartSpec("KIOSK-PINPAD", "Encrypting PIN pad", "Clavier PIN sécurisé", ("kiosk",), 430, True),
    PartSpec("KIOSK-CARD-READER", "Card reader", "Lecteur de cartes", ("kiosk",), 260, True),
    PartSpec(
        "KIOSK-PC-CORE", "Kiosk PC core", "Unité centrale de borne", ("kiosk",), 780, True, shipping=FRAGILE
    ),
    PartSpec(
        "KIOSK-UPS-BATT",
        "UPS lithium battery pack",
        "Batterie lithium d'onduleur",
        ("kiosk", "cash-recycler"),
        190,
        True,
        shipping=HAZARDOUS,
    ),
    PartSpec("KIOSK-CAMERA", "Security camera", "Caméra de sécurité", ("kiosk",), 120),
    # Receipt printers
    PartSpec(
        "PRINTER-HEAD-80", "80 mm print head", "Tête d'impression 80 mm", ("receipt-printer", "kiosk"), 85
    ),
    PartSpec(
        "PAPER-ROLL-80",
        "Thermal paper roll 80 mm",
        "Rouleau de papier thermique 80 mm",
        ("receipt-printer", "kiosk"),
        2,
        van=True,
    ),
    PartSpec("PRINTER-CUTTER", "Auto-cutter", "Massicot automatique", ("receipt-printer",), 45),
    # Power, cooling and supplies
    PartSpec(
        "PSU-24V-150W",
        "24 V power supply, 150 W",
        "Alimentation 24 V, 150 W",
        (*COUNTERS, "coin-counter", "kiosk"),
        70,
        van=True,
    ),
    PartSpec(
        "FAN-80MM", "Cooling fan, 80 mm", "Ventilateur 80 mm", (*COUNTERS, "kiosk", "switch"), 12, van=True
    ),
    PartSpec(
        "FUSE-T5A", "Fuse T5A", "Fusible T5A", (*COUNTERS, "coin-counter", "cash-recycler"), 1, van=True
    ),
    PartSpec(
        "CABLE-POWER-EU",
        "Power cord (EU)",
        "Cordon d'alimentation (UE)",
        (*COUNTERS, "coin-counter", "router", "switch"),
        6,
    ),
    PartSpec(
        "CABLE-CAT6",
        "Cat 6 network cable",
        "Câble réseau Cat 6",
        ("router", "switch", "kiosk"),
        1,
        unit=Unit.METRE.value,
        van=True,
    ),
    PartSpec(
        "GREASE-PTFE",
        "PTFE lubricant grease",
        "Graisse lubrifiante PTFE",
        ("coin-counter",),
        40,
        unit=Unit.KILOGRAM.value,
    ),
    PartSpec(
        "CLEANING-FLUID",
        "Sensor cleaning fluid",
        "Liquide de nettoyage des capteurs",
        COUNTERS,
        14,
        unit=Unit.LITRE.value,
        van=True,
    ),
    # Network gear
    PartSpec("SFP-1G-LX", "1G SFP transceiver (LX)", "Module SFP 1G (LX)", ("router", "switch"), 55, True),
    PartSpec("SFP-10G-SR", "10G SFP+ transceiver (SR)", "Module SFP+ 10G (SR)", ("switch",), 90, True),
    PartSpec(
        "PSU-C9200",
        "Catalyst 9200 power supply",
        "Alimentation Catalyst 9200",
        ("Cisco/Catalyst 9200L-24P",),
        310,
        True,
    ),
    PartSpec(
        "ROUTER-ISR-1111",
        "ISR 1111 replacement router",
        "Routeur de remplacement ISR 1111",
        ("Cisco/ISR 1111-8P",),
        890,
        True,
    ),
    PartSpec("SWITCH-FAN-TRAY", "Switch fan tray", "Tiroir de ventilation de commutateur", ("switch",), 75),
    PartSpec("ANTENNA-LTE", "LTE antenna", "Antenne LTE", ("router",), 28),
)
MEASURED = {Unit.METRE.value: (50, 300), Unit.LITRE.value: (5, 40), Unit.KILOGRAM.value: (2, 10)}
# (model, serial, depot)
LOANERS = (
    ("Glory/GFS-120", "PRET-GF12-01", "DEP-PAR-N"),
    ("Glory/GFS-120", "PRET-GF12-02", "DEP-PAR-N"),
    ("Glory/GFS-120", "PRET-GF12-03", "DEP-LYS"),
    ("Glory/USF-200", "PRET-US2-01", "DEP-BRU"),
    ("Scan Coin/SC 303", "PRET-SC303-01", "DEP-PAR-S"),
    ("Glory/RBG-100", "PRET-RBG-01", "DEP-LYS"),
    ("Diebold Nixdorf/DN Series 200", "PRET-DN2-01", "DEP-PAR-N"),
    ("Cisco/ISR 1111-8P", "PRET-ISR-01", "DEP-BRU"),
)
# Stocked at every main depot: the parts the demo work orders need and the ones the transfers move
ALWAYS = frozenset(
    {
        "BELT-GFS-220",
        "FEED-ROLLER-2",
        "PSU-24V-150W",
        "SENSOR-UV-3",
        "FAN-80MM",
        "RECYC-ROLLERS",
        "KIOSK-PINPAD",
        "KIOSK-UPS-BATT",
    }
)
