"""What the demo vendor sells and who buys it: categories, models, module layouts, names. Pure data.

The vendor services cash-handling equipment (bill counters, banknote sorters, coin counters,
teller cash recyclers, self-service kiosks) and the network gear that connects it (routers,
switches). Organisations are fictional; manufacturers and model names are plausible.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- Equipment --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name_en: str
    name_fr: str
    label_en: str  # how a customer names one machine of it: "Sorter 03"
    label_fr: str


CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("bill-counter", "Bill counter", "Compteuse de billets", "Bill counter", "Compteuse"),
    CategorySpec("banknote-sorter", "Banknote sorter", "Trieuse de billets", "Sorter", "Trieuse"),
    CategorySpec("coin-counter", "Coin counter", "Compteuse de pièces", "Coin counter",
        "Compteuse de pièces"),
    CategorySpec("cash-recycler", "Teller cash recycler", "Recycleur de billets", "Teller recycler",
        "Recycleur"),
    CategorySpec("kiosk", "Self-service kiosk", "Borne libre-service", "Kiosk", "Borne"),
    CategorySpec("router", "Router", "Routeur", "Router", "Routeur"),
    CategorySpec("switch", "Network switch", "Commutateur réseau", "Switch", "Commutateur"),
    CategorySpec("receipt-printer", "Receipt printer", "Imprimante de tickets", "Printer", "Imprimante"),
)


@dataclass(frozen=True)
class ModelSpec:
    manufacturer: str
    name: str
    category: str
    serial_format: str  # "{yy}" two-digit year of manufacture, "{n}" the model's running number
    firmware: tuple[str, ...]  # releases in order; machines move forward through them


MODELS: tuple[ModelSpec, ...] = (
    # Bill counters
    ModelSpec("Glory", "GFS-120", "bill-counter", "GF12{yy}{n:07d}", ("1.8.2", "1.9.0", "2.0.3", "2.1.1")),
    ModelSpec("Glory", "USF-200", "bill-counter", "US2{yy}{n:07d}", ("3.2.1", "3.4.0", "3.4.2", "4.0.0")),
    ModelSpec("Cummins Allison", "JetScan iFX i100", "bill-counter", "JS{yy}-{n:06d}", ("5.10", "5.12",
        "6.01")),
    ModelSpec("Kisan", "Newton F", "bill-counter", "NF{yy}{n:06d}", ("2.3.1", "2.4.0", "2.6.2")),
    ModelSpec("Laurel", "K4-NE", "bill-counter", "L4N{n:07d}", ("1.12", "1.15", "1.20")),
    ModelSpec("Cassida", "Xcount", "bill-counter", "CX{yy}{n:06d}", ("4.1", "4.3", "5.0")),
    # Banknote sorters
    ModelSpec("Giesecke+Devrient", "BPS C2", "banknote-sorter", "C2-{yy}-{n:06d}", ("7.4.0", "7.6.1",
        "8.0.2")),
    ModelSpec("Giesecke+Devrient", "BPS M7", "banknote-sorter", "M7-{yy}-{n:05d}", ("11.2", "11.5", "12.1")),
    ModelSpec("Glory", "USF-300", "banknote-sorter", "US3{yy}{n:07d}", ("2.2.0", "2.5.1", "3.0.0")),
    ModelSpec("Kisan", "K-500", "banknote-sorter", "K5{yy}{n:06d}", ("1.9.4", "2.0.1", "2.2.0")),
    ModelSpec("Laurel", "J-700", "banknote-sorter", "LJ7{n:07d}", ("3.01", "3.05", "3.10")),
    # Coin counters
    ModelSpec("Scan Coin", "SC 303", "coin-counter", "SC303-{n:07d}", ("2.14", "2.20", "3.02")),
    ModelSpec("Scan Coin", "SC 350", "coin-counter", "SC350-{n:07d}", ("1.7", "1.9", "2.1")),
    ModelSpec("Cummins Allison", "JetSort 1000", "coin-counter", "JT{yy}-{n:06d}", ("4.2", "4.5", "4.7")),
    ModelSpec("Glory", "CI-10", "coin-counter", "CI10{yy}{n:06d}", ("1.3.0", "1.4.2", "1.6.0")),
    # Teller cash recyclers
    ModelSpec("Glory", "RBG-100", "cash-recycler", "RBG{yy}{n:07d}", ("6.1.0", "6.2.3", "7.0.1")),
    ModelSpec("Glory", "UW-F4", "cash-recycler", "UWF4{yy}{n:06d}", ("3.3", "3.5", "4.0")),
    ModelSpec("Hyosung", "TCR MX-5600", "cash-recycler", "HT{yy}{n:08d}", ("2.0.8", "2.1.4", "2.2.0")),
    # Self-service kiosks
    ModelSpec("Diebold Nixdorf", "DN Series 200", "kiosk", "DN2{yy}{n:07d}", ("4.0.12", "4.1.3", "4.2.0")),
    ModelSpec("NCR", "SelfServ 84", "kiosk", "NS84-{n:08d}", ("06.02", "06.04", "07.00")),
    ModelSpec("Hyosung", "MoniMax 8600", "kiosk", "HM86{yy}{n:06d}", ("1.5.2", "1.6.0", "1.7.3")),
    ModelSpec("Glory", "VeriCash RBW-200", "kiosk", "VC2{yy}{n:06d}", ("2.8", "3.0", "3.1")),
    # Network gear
    ModelSpec("Cisco", "ISR 1111-8P", "router", "FGL{yy}{n:06d}", ("17.6.5", "17.9.4a", "17.12.3")),
    ModelSpec("Cisco", "Catalyst 9200L-24P", "switch", "JAE{yy}{n:06d}", ("17.6.4", "17.9.5", "17.12.2")),
    ModelSpec("Juniper", "SRX300", "router", "CV{yy}{n:08d}", ("21.4R3", "22.4R2", "23.2R1")),
    ModelSpec("Juniper", "EX2300-24T", "switch", "JW{yy}{n:08d}", ("21.4R3", "22.4R3", "23.4R1")),
    ModelSpec("HPE Aruba", "2930F-24G", "switch", "SG{yy}K{n:06d}", ("16.10.0021", "16.11.0012",
        "16.11.0018")),
    ModelSpec("Yamaha", "RTX1220", "router", "S5K{n:06d}", ("15.02.24", "15.02.29", "15.02.31")),
    ModelSpec("Allied Telesis", "x230-18GP", "switch", "A0{yy}{n:07d}", ("5.5.2-1.1", "5.5.3-0.2",
        "5.5.4-0.1")),
    # Receipt printers (modules of kiosks and sorters)
    ModelSpec("Epson", "TM-T88VII", "receipt-printer", "X8{yy}{n:06d}", ("1.01", "1.02")),
    ModelSpec("Star Micronics", "TSP143IV", "receipt-printer", "2580{n:08d}", ("1.0", "1.1")),
    ModelSpec("Citizen", "CT-S801III", "receipt-printer", "CZ{yy}{n:06d}", ("1.2", "1.3")),
)

# Where Japanese customers buy their network gear, and everybody else.
NETWORK_JP = ("Yamaha", "Allied Telesis", "Cisco")
NETWORK_OTHER = ("Cisco", "Juniper", "HPE Aruba")


@dataclass(frozen=True)
class Part:
    """A module of a machine (English, French), optionally of a printer model, with sub-modules."""

    en: str
    fr: str
    printer: bool = False
    children: tuple[tuple[str, str], ...] = ()


def _pockets(count: int, en: str, fr: str) -> tuple[tuple[str, str], ...]:
    return tuple((f"{en} {i}", f"{fr} {i}") for i in range(1, count + 1))


LAYOUTS: dict[str, tuple[Part, ...]] = {
    "bill-counter": (
        Part("Feeder", "Chargeur"), Part("Stacker", "Empileur"), Part("Reject pocket", "Poche de rejet"),
        Part("Counterfeit detector", "Détecteur de faux billets"), Part("Display", "Écran"),
    ),
    "banknote-sorter": (
        Part("Feeder", "Chargeur"), Part("Transport unit", "Module de transport"),
        Part("Stacking unit", "Module d'empilage", children=_pockets(4, "Pocket", "Case")),
        Part("Reject pocket", "Poche de rejet"), Part("Receipt printer", "Imprimante de tickets",
            printer=True),
        Part("Strapping unit", "Banderoleuse"),
    ),
    "coin-counter": (
        Part("Coin hopper", "Trémie"), Part("Sorting disc", "Disque de tri"),
        Part("Bag station", "Station de sacs"), Part("Display", "Écran"),
    ),
    "cash-recycler": (
        Part("Note validator", "Valideur de billets"),
        Part("Cassette module", "Module cassettes", children=_pockets(4, "Cassette", "Cassette")),
        Part("Input/output module", "Module d'entrée-sortie"), Part("Safe", "Coffre"),
    ),
    "kiosk": (
        Part("Touchscreen", "Écran tactile"), Part("Card reader", "Lecteur de carte"),
        Part("Receipt printer", "Imprimante de tickets", printer=True),
        Part("Bill validator", "Valideur de billets"), Part("Coin acceptor", "Monnayeur"),
        Part("Cash module", "Module de caisse", children=_pockets(3, "Cassette", "Cassette")),
    ),
    "router": (Part("Power supply", "Alimentation"), Part("LTE module", "Module 4G LTE")),
    "switch": (Part("Power supply", "Alimentation"), Part("SFP module", "Module SFP")),
}

# --- Organisations ---------------------------------------------------------------------------------

KINDS = ("bank", "retail", "dealer", "cit", "casino")

# (pattern, roots) per market and kind; "{}" takes a root. Tiers are drawn per kind.
ORG_NAMES: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "FR": {
        "bank": (("Banque {}", "Crédit {}", "Banque Régionale {}", "Caisse {}"),
                 ("Vauban", "de la Cité", "Rhénane", "Phocéenne", "Lutèce", "Gutenberg", "des Canuts",
                  "Flamande", "du Lion", "Saint-Éloi", "Mistral", "Kléber", "des Gaules", "Fourvière",
                  "Beffroi", "Carnot", "Haussmann", "Méditerranée", "Vosges", "Artois")),
        "retail": (("Supermarchés {}", "Hypermarchés {}", "Épiceries {}", "Pharmacies {}", "Tabac-Presse {}",
                    "Magasins {}"),
                   ("Lumière", "Beaulieu", "Montclair", "Les Halles", "Bel Air", "Saint-Martin", "Primevère",
                    "Grand Marché", "Hexagone", "Cocorico", "Marianne", "Azur", "Rivoli", "Mont-Blanc")),
        "dealer": (("{} Monétique", "{} Systèmes Fiduciaires", "Fiducia {}", "{} Équipements Bancaires"),
                   ("Alsace", "Rhône", "Île-de-France", "Provence", "Nord", "Atlantique", "Lorraine",
                       "Centre")),
        "cit": (("Transvaleurs {}", "Convoyage {}", "Sécurifonds {}"),
                ("Est", "Sud", "Nord", "Île-de-France", "Rhône-Alpes", "Méditerranée")),
        "casino": (("Casino {}", "Grand Casino {}"),
                   ("de la Corniche", "du Lac", "Barrière d'Or", "des Thermes", "Kursaal", "Palais")),
    },
    "QC": {
        "bank": (("Caisse populaire {}", "Banque {}", "Caisse d'économie {}"),
                 ("Mont-Royal", "des Laurentides", "Saint-Laurent", "Maisonneuve", "Cap-Rouge", "Limoilou",
                  "de l'Outaouais", "Charlevoix", "Beauport", "Lanaudière", "Richelieu", "Champlain")),
        "retail": (("Marchés {}", "Dépanneurs {}", "Pharmacies {}", "Quincailleries {}", "Épiceries {}"),
                   ("Boréal", "Fleur-de-lys", "Érablière", "Nordique", "Belle Province", "Petit-Champlain",
                    "Saint-Roch", "Plateau", "Outremont")),
        "dealer": (("Monétique {}", "Équipements fiduciaires {}", "{} Solutions Caisse"),
                   ("Québec", "Laurentienne", "Montréal", "Estrie", "Mauricie")),
        "cit": (("Transport de valeurs {}", "Sécurivaleurs {}"), ("Québec", "Montréal", "Saint-Laurent")),
        "casino": (("Casino {}", "Salon de jeux {}"), ("du Fleuve", "des Érables", "Boréal",
            "de la Capitale")),
    },
    "ON": {
        "bank": (("{} Bank", "{} Credit Union", "{} Trust", "{} Savings"),
                 ("Lakeshore", "Northern Pine", "Huron", "Great Lakes", "Don Valley", "Rideau", "Algonquin",
                  "Bytown", "Kawartha", "Humber", "Muskoka", "Georgian Bay", "Trillium", "Frontenac")),
        "retail": (("{} Grocers", "{} Pharmacy", "{} Markets", "{} Convenience", "{} Hardware"),
                   ("Maplewood", "Queen Street", "Harbourfront", "Cedar", "Bayview", "Kensington", "Danforth",
                    "Glebe", "Beaches", "Riverdale")),
        "dealer": (("{} Cash Systems", "{} Currency Equipment", "{} Cash Technologies"),
                   ("Ontario", "Lakeside", "Capital", "Niagara", "Dominion")),
        "cit": (("{} Armoured Transport", "{} Secure Logistics"), ("Ontario", "Capital", "Great Lakes")),
        "casino": (("{} Casino", "{} Gaming Hall"), ("Lakeview", "Northern Lights", "Harbour",
            "Golden Maple")),
    },
    "JP": {
        "bank": (("{} Bank", "{} Shinkin Bank", "{} Trust & Banking"),
                 ("Naniwa", "Higashi Minato", "Chubu Heiwa", "Edogawa", "Kanda", "Yamabuki", "Hinode",
                  "Tsubame", "Kiyomizu", "Sumida", "Owari", "Settsu", "Kawachi", "Musashi Kita")),
        "retail": (("{} Mart", "{} Drug", "{} Supermarket", "{} Department Store"),
                   ("Sakura", "Midori", "Hoshi", "Fuji", "Umi", "Kaede", "Aozora", "Tsuki", "Hikari")),
        "dealer": (("{} Cash Solutions K.K.", "{} Tsusho K.K.", "{} Kiki Service K.K."),
                   ("Kanto", "Kansai", "Chubu", "Tokai", "Kinki")),
        "cit": (("{} Keibi K.K.", "{} Security Transport"), ("Kanto", "Kansai", "Chubu")),
        "casino": (("{} Amusement", "{} Pachinko Hall"), ("Ginga", "Lucky Star", "Daikoku", "Kirin",
            "Taiyo")),
    },
}

TIERS: dict[str, tuple[tuple[str, int], ...]] = {
    "bank": (("silver", 3), ("gold", 4), ("platinum", 2)),
    "retail": (("standard", 5), ("silver", 3), ("gold", 1)),
    "dealer": (("gold", 2), ("platinum", 3)),
    "cit": (("gold", 3), ("platinum", 2)),
    "casino": (("standard", 2), ("silver", 3), ("gold", 2)),
}

# Site kinds: (English, French) name prefix, relative equipment weight, and the areas inside.
# Each area lists the categories that stand there.
SITE_KINDS: dict[str, dict[str, object]] = {
    "hq": {"en": "Head Office", "fr": "Siège", "weight": 3.0, "areas": ("back-office", "cash-room", "lobby")},
    "cash-centre": {"en": "Cash Centre", "fr": "Centre fiduciaire", "weight": 6.0,
                    "areas": ("counting-1", "counting-2", "vault", "back-office")},
    "branch": {"en": "Branch", "fr": "Agence", "weight": 1.0, "areas": ("cash-room", "lobby", "back-office")},
    "store": {"en": "Store", "fr": "Magasin", "weight": 1.2, "areas": ("cash-office", "checkouts",
        "back-office")},
    "workshop": {"en": "Workshop", "fr": "Atelier", "weight": 3.0, "areas": ("workshop", "loaner-stock",
        "back-office")},
    "casino": {"en": "Casino", "fr": "Casino", "weight": 4.0, "areas": ("cage", "floor", "back-office")},
}

SITE_MIX: dict[str, tuple[tuple[str, int], ...]] = {
    # kind of organisation -> (site kind, weight); the first site is always the first kind.
    "bank": (("hq", 0), ("branch", 12), ("cash-centre", 1)),
    "retail": (("hq", 0), ("store", 10)),
    "dealer": (("workshop", 0), ("workshop", 1)),
    "cit": (("cash-centre", 0), ("cash-centre", 1)),
    "casino": (("casino", 0), ("casino", 1)),
}

AREAS: dict[str, tuple[str, str, tuple[tuple[str, int], ...]]] = {
    # code: (English, French, ((category, weight), ...))
    "cash-room": ("Cash room", "Salle de comptage", (("bill-counter", 5), ("banknote-sorter", 2),
        ("coin-counter", 2))),
    "lobby": ("Lobby", "Hall d'accueil", (("kiosk", 4), ("cash-recycler", 3), ("coin-counter", 1))),
    "back-office": ("Back office", "Back-office", (("router", 1), ("switch", 1), ("bill-counter", 3))),
    "counting-1": ("Counting room 1", "Salle de tri 1", (("banknote-sorter", 5), ("bill-counter", 2))),
    "counting-2": ("Counting room 2", "Salle de tri 2", (("banknote-sorter", 4), ("coin-counter", 3))),
    "vault": ("Vault", "Salle forte", (("cash-recycler", 2), ("bill-counter", 1))),
    "cash-office": ("Cash office", "Local caisse", (("bill-counter", 3), ("coin-counter", 2),
        ("cash-recycler", 1))),
    "checkouts": ("Checkout area", "Ligne de caisses", (("kiosk", 5), ("cash-recycler", 1))),
    "workshop": ("Workshop", "Atelier", (("bill-counter", 3), ("banknote-sorter", 2), ("coin-counter", 2))),
    "loaner-stock": ("Loaner stock", "Parc de prêt", (("bill-counter", 3), ("coin-counter", 1), ("kiosk",
        1))),
    "cage": ("Cashier cage", "Caisse centrale", (("bill-counter", 3), ("banknote-sorter", 2),
        ("coin-counter", 3))),
    "floor": ("Gaming floor", "Salle de jeux", (("kiosk", 4), ("cash-recycler", 1))),
}

# --- People ----------------------------------------------------------------------------------------

FIRST_NAMES = {
    "fr": ("Camille", "Julien", "Sophie", "Nicolas", "Claire", "Thomas", "Élodie", "Mathieu", "Aurélie",
           "Antoine", "Léa", "Hugo", "Manon", "Pierre", "Chloé", "Maxime", "Isabelle", "François"),
    "qc": ("Mathieu", "Geneviève", "Étienne", "Marie-Ève", "Simon", "Catherine", "Olivier", "Annie",
           "Jean-François", "Valérie", "Félix", "Émilie", "Sébastien", "Josée"),
    "en": ("Emily", "Liam", "Olivia", "Noah", "Sarah", "Ethan", "Jessica", "Ryan", "Megan", "Daniel",
           "Priya", "Arjun", "Wei", "Grace", "Michael", "Hannah"),
    "ja": ("Haruto", "Yui", "Sota", "Aoi", "Ren", "Hina", "Yuto", "Sakura", "Takumi", "Mei", "Kenji",
           "Yuki", "Daiki", "Ayaka"),
}
LAST_NAMES = {
    "fr": ("Martin", "Bernard", "Dubois", "Lefebvre", "Moreau", "Laurent", "Girard", "Roux", "Fournier",
           "Muller", "Schmitt", "Meyer", "Faure", "Mercier", "Blanc", "Garnier", "Chevalier", "Lambert"),
    "qc": ("Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin",
           "Gagné", "Ouellet", "Pelletier", "Bélanger", "Lévesque"),
    "en": ("Smith", "Brown", "Wilson", "MacDonald", "Campbell", "Anderson", "Taylor", "Patel", "Singh",
           "Chen", "Wong", "Thompson", "Martin", "Clarke", "Robertson", "Kowalski"),
    "ja": ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi",
           "Kato", "Yoshida", "Yamada", "Sasaki", "Matsumoto"),
}
JOB_TITLES: dict[str, tuple[tuple[str, str], ...]] = {
    # kind of organisation -> (English, French)
    "bank": (("Branch manager", "Directeur d'agence"), ("Head cashier", "Responsable caisse"),
             ("IT manager", "Responsable informatique"), ("Security officer", "Responsable de la sécurité")),
    "retail": (("Store manager", "Chef de magasin"), ("Head cashier", "Responsable caisse"),
               ("IT manager", "Responsable informatique"), ("Procurement", "Acheteur")),
    "dealer": (("Service manager", "Responsable SAV"), ("Workshop manager", "Chef d'atelier"),
               ("Sales manager", "Responsable commercial")),
    "cit": (("Operations manager", "Responsable d'exploitation"), ("Security officer",
        "Responsable de la sécurité"),
            ("Cash centre manager", "Responsable du centre fiduciaire")),
    "casino": (("Cage manager", "Responsable caisse centrale"), ("IT manager", "Responsable informatique"),
               ("Facilities manager", "Services généraux")),
}

# --- Access -----------------------------------------------------------------------------------------

ACCESS_NOTES = {
    "fr": (
        "Sonner à l'entrée de service ; présenter une pièce d'identité à l'accueil.",
        "Accès à la salle de comptage accompagné uniquement (règle des quatre yeux).",
        "Badge visiteur à retirer au poste de sécurité, niveau -1.",
        "Stationnement sur l'aire de livraison, hauteur limitée à 2,10 m.",
        "Prévenir le responsable caisse 30 minutes avant l'arrivée.",
        "Interventions en salle forte hors des heures d'ouverture au public.",
        "Code d'accès de la porte de service communiqué par téléphone le jour même.",
    ),
    "en": (
        "Ring at the service entrance; photo ID required at reception.",
        "Cash room access escorted only (two-person rule).",
        "Pick up a visitor badge at the security desk, level P1.",
        "Park in the loading bay; clearance 2.1 m.",
        "Call the head cashier 30 minutes before arrival.",
        "Vault work only outside public opening hours.",
        "The service door code is given by phone on the day of the visit.",
    ),
}
