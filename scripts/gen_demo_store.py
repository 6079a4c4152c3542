#!/usr/bin/env python3
"""Generate the "Harbor & Pine Outfitters" demo store for the local Lightspeed simulator.

Writes fixtures/stores/demo/*.json in Lightspeed Retail X-Series API 2026-07 response
shapes (components.schemas Product, Inventory, Outlet, Register, User, Tax, PaymentType,
Brand, ProductCategory, Retailer, Customer) plus a README.md describing the store.

    python3 scripts/gen_demo_store.py                 # (re)write the fixtures
    python3 scripts/gen_demo_store.py --check-spec /work/shared/lightspeed/openapi-2026-07.json
                                                      # ...and validate them against the spec

Deterministic: a single random.Random(20260701), fixed timestamps (2026-01..2026-06, RFC 3339
with +00:00), uuid5 ids. Running it twice yields byte-identical files. Python 3 stdlib only.
"""

import argparse
import datetime as dt
import json
import os
import random
import re
import sys
import uuid

SEED = 20260701
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "demo.harborpine.lsbridge")
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO_ROOT, "fixtures", "stores", "demo")
INCLUSIVE_DIR = os.path.join(REPO_ROOT, "fixtures", "stores", "demo-inclusive")

rng = random.Random(SEED)

UTC = dt.timezone.utc
T_START = dt.datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)
T_CATALOG_END = dt.datetime(2026, 5, 29, 18, 0, 0, tzinfo=UTC)
T_END = dt.datetime(2026, 6, 28, 21, 0, 0, tzinfo=UTC)
IMG_HOST = "https://images.example.com/harborpine"


# --------------------------------------------------------------------------- helpers

def uid(*parts):
    return str(uuid.uuid5(NAMESPACE, "demo:" + ":".join(str(p) for p in parts)))


def ts(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def rand_time(start, end):
    span = int((end - start).total_seconds())
    return start + dt.timedelta(seconds=rng.randint(0, span))


_version = [3_140_000]


def next_version():
    _version[0] += rng.randint(1, 41)
    return _version[0]


def num(x, places=2):
    """Round and print whole numbers as JSON integers (the API does: "price_excluding_tax":110)."""
    r = round(float(x), places)
    return int(r) if r == int(r) else r


def slug(s):
    s = s.lower().replace("&", "and").replace("°", "")
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def upc(item):
    """12-digit UPC-A with a valid check digit, fictional company prefix 084012."""
    body = "084012" + "%05d" % item
    odd = sum(int(d) for d in body[0::2])
    even = sum(int(d) for d in body[1::2])
    check = (10 - ((odd * 3 + even) % 10)) % 10
    return body + str(check)


# --------------------------------------------------------------------------- static data

RETAILER_NAME = "Harbor & Pine Outfitters"
DOMAIN_PREFIX = "harborpine"

TAX_DEFS = [
    # key, name, rate, is_default
    ("no-tax", "No Tax", 0.0, False),
    ("ny", "NY Sales Tax", 0.08875, True),
    ("nj", "NJ Sales Tax", 0.06625, False),
]
DEFAULT_RATE = 0.08875

OUTLET_DEFS = [
    dict(key="main", name="Main Street Store", tax="ny", a1="45 Main Street", a2="Ground Floor",
         city="Brooklyn", suburb="DUMBO", state="NY", postcode="11201", lat="40.703312",
         lon="-73.990431", phone="(718) 555-0142", email="mainstreet@harborpine.example.com",
         attrs=[("order_reference", "1042"), ("order_reference_prefix", "MS"),
                ("return_reference", "37"), ("return_reference_prefix", "MSR")]),
    dict(key="warehouse", name="Warehouse", tax="nj", a1="600 Meadowlands Parkway", a2="Unit 14",
         city="Secaucus", suburb="Harmon Meadow", state="NJ", postcode="07094", lat="40.785694",
         lon="-74.061867", phone="(201) 555-0177", email="warehouse@harborpine.example.com",
         attrs=[]),
    dict(key="popup", name="Chelsea Market Pop-up", tax="ny", a1="75 9th Avenue", a2="Kiosk 6",
         city="New York", suburb="Chelsea", state="NY", postcode="10011", lat="40.742395",
         lon="-74.006096", phone="(212) 555-0119", email="popup@harborpine.example.com",
         attrs=[("low_stock_warning", "3")]),
]

PAYMENT_TYPE_DEFS = [
    # key, name, type_id, config, disabled, outlet keys (None = all), gateway, editable
    ("cash", "Cash", 1, None, False, None, False, True),
    ("card", "Credit Card", 2, None, False, None, False, True),
    ("store-credit", "Store Credit", 23, None, False, None, False, False),
    ("gift-card", "Gift Card", 118, None, False, None, False, False),
    ("web-order", "Web Order", 20, None, False, ["main", "warehouse"], False, True),
    ("check", "Check", 5, None, True, ["main"], False, True),
]

BRAND_DEFS = [
    ("harbor-and-pine", "Harbor & Pine", "Our house label: everyday outdoor basics made for the city and the trail."),
    ("ridgeline", "Ridgeline Outfitters", "Technical shells and insulation."),
    ("cascade-thread", "Cascade Thread Co.", "Merino and recycled-fibre base layers and sun wear."),
    ("granite-peak", "Granite Peak Footwear", "Hiking boots and trail shoes since 1978."),
    ("switchback", "Switchback Sock Co.", "Lifetime-guaranteed merino socks."),
    ("driftwood", "Driftwood Camp Co.", "Tents, sleep systems and camp furniture."),
    ("basalt", "Basalt Packworks", None),
    ("alder", "Alder Drinkware", "Vacuum-insulated bottles and tumblers."),
    ("lumen-trail", "Lumen Trail", "Headlamps and lanterns."),
    ("summit-forge", "Summit Forge Tools", "Knives, multi-tools and camp stoves."),
    ("kestrel", "Kestrel Optics", "Polarized sunglasses."),
    ("cairn", "Cairn Provisions", "Freeze-dried meals and trail snacks."),
    ("northwake", "Northwake Apparel", None),
    ("tidewater", "Tidewater Supply", "Water-ready sandals, dry bags and duffels."),
    ("old-harbor-press", "Old Harbor Press", "Regional trail maps and field guides."),
    ("bramble", "Bramble Gear", "Discontinued vendor."),  # soft-deleted below
]
DELETED_BRANDS = {"bramble"}

TAG_DEFS = ["new-arrival", "bestseller", "clearance", "waterproof", "gift-idea", "staff-pick",
            "made-in-usa", "spring-2026"]

SUPPLIER_DEFS = [
    ("neod", "Northeast Outdoor Distributors"),
    ("ptw", "Pacific Trail Wholesale"),
    ("hpd", "Harbor & Pine Direct"),
    ("atlas", "Atlas Footwear Supply"),
]
BRAND_SUPPLIER = {
    "harbor-and-pine": "hpd", "granite-peak": "atlas", "switchback": "neod", "ridgeline": "ptw",
    "northwake": "ptw", "cascade-thread": "ptw", "driftwood": "neod", "basalt": "neod",
    "alder": "neod", "lumen-trail": "neod", "summit-forge": "neod", "kestrel": "ptw",
    "cairn": "neod", "tidewater": "ptw", "old-harbor-press": "hpd",
}

CATEGORY_TREE = [
    ("Apparel", ["Jackets & Vests", "Tops & Tees", "Pants & Shorts", "Base Layers", "Hats & Gloves"]),
    ("Footwear", ["Hiking Boots", "Trail Runners", "Sandals & Camp Shoes", "Socks"]),
    ("Camping", ["Tents & Shelters", "Sleeping Bags & Pads", "Camp Kitchen", "Camp Furniture"]),
    ("Packs & Bags", ["Daypacks", "Backpacking Packs", "Duffels & Travel", "Pack Accessories"]),
    ("Hydration & Food", ["Water Bottles", "Water Filters", "Trail Food"]),
    ("Gear & Accessories", ["Headlamps & Lanterns", "Knives & Multi-tools", "Maps & Books",
                            "Sunglasses & Eyewear", "Safety & Navigation"]),
    ("Gifts & Services", ["Gift Cards", "Souvenirs", "Services"]),
]

OPTION_ABBR = {
    "Black": "BLK", "Heather Grey": "HGR", "Forest Green": "FGN", "White": "WHT", "Navy": "NVY",
    "Red Plaid": "RPL", "Blue Plaid": "BPL", "Charcoal": "CHR", "Rust": "RST", "Glacier Blue": "GLB",
    "Sand": "SND", "Signal Red": "SRD", "Olive": "OLV", "Graphite": "GRA", "Teal": "TEL",
    "Ember": "EMB", "Oatmeal": "OAT", "Pine": "PIN", "Khaki": "KHK", "Heather Blue": "HBL",
    "Red": "RED", "Mustard": "MUS", "Forest": "FOR", "Slate/Orange": "SLO", "Black/Lime": "BLL",
    "Grey Mix": "GMX", "Earth Mix": "EMX", "Moss": "MOS", "Clay": "CLY", "Slate": "SLT",
    "Stainless": "SST", "Lake Blue": "LKB", "Sage": "SAG", "Sunset": "SUN", "Smoke": "SMK",
    "Blue Mirror": "BMR", "Amber": "AMB", "Regular": "R", "Tall": "T", "Long": "L", "Wide": "W",
    "Medium": "M", "Light": "LT", "Full": "FL", "Left": "LZ", "Right": "RZ", "S/M": "SM",
    "M/L": "ML",
}


def opt_code(v):
    if v in OPTION_ABBR:
        return OPTION_ABBR[v]
    if re.fullmatch(r"\d+(\.5)?", v):  # shoe sizes 8 / 8.5 / 10.5
        whole, _, half = v.partition(".")
        return "%02d%s" % (int(whole), "5" if half else "0")
    return re.sub(r"[^A-Z0-9]", "", v.upper())


DESC_SNIPPETS = {
    "tee": "<p>A soft, breathable everyday tee in organic cotton with a touch of recycled polyester.</p><ul><li>Relaxed fit</li><li>Tag-free neck label</li><li>Pre-shrunk</li></ul>",
    "flannel": "<p>Brushed cotton flannel with a button-down collar and a chest pocket.</p>",
    "hoodie": "<p>Midweight brushed-back fleece hoodie with a kangaroo pocket.</p><ul><li>80% cotton / 20% recycled polyester</li><li>Ribbed cuffs and hem</li></ul>",
    "sun": "<p>UPF 50 sun hoodie with thumb loops and a scuba-style hood.</p>",
    "rain": "<p>Fully seam-taped 2.5-layer waterproof/breathable shell.</p><ul><li>20,000 mm waterproof rating</li><li>Pit zips</li><li>Packs into its own pocket</li></ul>",
    "vest": "<p>650-fill responsibly sourced down vest. Warm, light and packable.</p>",
    "softshell": "Stretch-woven softshell that blocks wind and sheds light rain.",
    "parka": "<p>Our warmest parka: 700-fill down, a removable faux-fur ruff and a two-way zip.</p><ul><li>Rated to -20&deg;F</li><li>Tall fit adds 2&quot; to body and sleeves</li></ul>",
    "fleece": "<p>Classic 200-weight polar fleece jacket with zip hand pockets.</p>",
    "pant": "<p>Quick-dry nylon hiking pant with four-way stretch and a gusseted crotch.</p>",
    "shorts": "Lightweight trail shorts with a 7-inch inseam and a zip-secure back pocket.",
    "merino": "<p>Naturally odour-resistant 100% merino wool base layer.</p>",
    "cap": "Unstructured six-panel cap with an embroidered Harbor &amp; Pine logo.",
    "beanie": "Chunky rib-knit beanie in a wool blend.",
    "gloves": "<p>Windproof fleece gloves with touchscreen-compatible fingertips.</p>",
    "boot": "<p>Waterproof leather-and-mesh mid hiking boot with a grippy rubber outsole.</p><ul><li>Waterproof membrane</li><li>Resoleable</li><li>Weight per pair: 2 lb 6 oz</li></ul>",
    "trailshoe": "<p>Lightweight trail runner with a 4 mm lugged outsole and rock plate.</p>",
    "sandal": "Adjustable webbing sport sandal that dries fast.",
    "moc": "Cozy quilted camp moc with a packable sole.",
    "sock": "<p>Merino-blend hiking sock with targeted cushioning. Lifetime guarantee.</p>",
    "sleepingbag": "<p>20&deg;F / -7&deg;C mummy bag with 800-fill water-resistant down.</p>",
    "pad": "<p>Self-inflating foam pad, R-value 4.2.</p>",
    "daypack": "<p>28-litre daypack with a padded laptop sleeve and hydration port.</p>",
    "backpack": "<p>55-litre backpacking pack with an adjustable torso and a removable lid.</p>",
    "duffel": "Roll-top waterproof duffel with removable backpack straps.",
    "bottle": "<p>Double-wall vacuum-insulated stainless steel bottle. Keeps drinks cold 24 h / hot 12 h.</p>",
    "tumbler": "Insulated camp tumbler with a splash-proof slider lid.",
    "sunglasses": "<p>Polarized lenses with 100% UV protection in a lightweight nylon frame.</p>",
}


# families: key, name, brand, leaf, base price, supply ratio, options [(name,[values])], sku code,
#           desc key, extras
FAMILIES = [
    # Apparel / Tops & Tees
    dict(key="trail-tee", name="Trail Tee", brand="harbor-and-pine", leaf="Tops & Tees", price=32,
         options=[("Color", ["Black", "Heather Grey", "Forest Green"]), ("Size", ["S", "M", "L", "XL"])],
         sku="HP-TT", desc="tee", tags=["bestseller", "made-in-usa"], deleted={("Forest Green", "XL")}),
    dict(key="harbor-logo-tee", name="Harbor Logo Tee", brand="harbor-and-pine", leaf="Tops & Tees", price=28,
         options=[("Color", ["White", "Navy"]), ("Size", ["S", "M", "L", "XL", "XXL"])],
         sku="HP-LT", desc="tee", tags=["gift-idea"], upcharge={"XXL": 3}, deleted={("White", "XXL")}),
    dict(key="dockside-flannel", name="Dockside Flannel Shirt", brand="northwake", leaf="Tops & Tees", price=68,
         options=[("Color", ["Red Plaid", "Blue Plaid"]), ("Size", ["S", "M", "L", "XL"])],
         sku="NW-DFS", desc="flannel", tags=[]),
    dict(key="trailhead-hoodie", name="Trailhead Hoodie", brand="harbor-and-pine", leaf="Tops & Tees", price=64,
         options=[("Color", ["Charcoal", "Rust"]), ("Size", ["S", "M", "L", "XL"])],
         sku="HP-THH", desc="hoodie", tags=["bestseller"]),
    dict(key="sun-hoodie", name="Sun Hoodie UPF 50", brand="cascade-thread", leaf="Tops & Tees", price=55,
         options=[("Color", ["Glacier Blue", "Sand"]), ("Size", ["S", "M", "L", "XL"])],
         sku="CT-SUN", desc="sun", tags=["new-arrival", "spring-2026"], inactive={("Sand", "XL")}),
    # Jackets & Vests
    dict(key="harbor-rain-jacket", name="Harbor Rain Jacket", brand="ridgeline", leaf="Jackets & Vests", price=179,
         options=[("Color", ["Navy", "Signal Red"]), ("Size", ["S", "M", "L", "XL", "XXL"])],
         sku="RL-HRJ", desc="rain", tags=["waterproof", "staff-pick"], upcharge={"XXL": 10}),
    dict(key="ridgeline-down-vest", name="Ridgeline Down Vest", brand="ridgeline", leaf="Jackets & Vests", price=129,
         options=[("Color", ["Black", "Olive"]), ("Size", ["S", "M", "L", "XL"])],
         sku="RL-DV", desc="vest", tags=[]),
    dict(key="summit-softshell", name="Summit Softshell Jacket", brand="northwake", leaf="Jackets & Vests", price=149,
         options=[("Color", ["Graphite", "Teal"]), ("Size", ["S", "M", "L", "XL"])],
         sku="NW-SSJ", desc="softshell", tags=[]),
    dict(key="expedition-parka", name="Expedition Parka", brand="ridgeline", leaf="Jackets & Vests", price=349,
         options=[("Size", ["S", "M", "L", "XL"]), ("Color", ["Black", "Ember"]), ("Fit", ["Regular", "Tall"])],
         sku="RL-EXP", desc="parka", tags=["waterproof"], upcharge={"Tall": 20}),
    dict(key="polar-fleece-2025", name="Polar Fleece Jacket (2025)", brand="cascade-thread", leaf="Jackets & Vests",
         price=89, options=[("Color", ["Oatmeal", "Pine"]), ("Size", ["S", "M", "L"])],
         sku="CT-PF25", desc="fleece", tags=["clearance"], family_inactive=True),
    # Pants & Shorts
    dict(key="switchback-hiking-pant", name="Switchback Hiking Pant", brand="northwake", leaf="Pants & Shorts",
         price=89, options=[("Waist", ["30", "32", "34", "36"]), ("Inseam", ["30", "32"])],
         sku="NW-SHP", desc="pant", tags=["staff-pick"]),
    dict(key="trail-shorts", name='Trail Shorts 7"', brand="cascade-thread", leaf="Pants & Shorts", price=54,
         options=[("Color", ["Khaki", "Black"]), ("Size", ["S", "M", "L", "XL"])],
         sku="CT-TS7", desc="shorts", tags=["spring-2026"]),
    dict(key="canyon-convertible-pant", name="Canyon Convertible Pant", brand="ridgeline", leaf="Pants & Shorts",
         price=95, options=[("Size", ["S", "M", "L", "XL"])], sku="RL-CCP", desc="pant", tags=[],
         family_deleted=True),
    # Base Layers
    dict(key="merino-200-crew", name="Merino 200 Crew", brand="cascade-thread", leaf="Base Layers", price=85,
         options=[("Color", ["Black", "Heather Blue"]), ("Size", ["XS", "S", "M", "L", "XL"])],
         sku="CT-M2C", desc="merino", tags=["bestseller"]),
    dict(key="merino-150-bottoms", name="Merino 150 Bottoms", brand="cascade-thread", leaf="Base Layers", price=75,
         options=[("Size", ["S", "M", "L", "XL"])], sku="CT-M1B", desc="merino", tags=[]),
    # Hats & Gloves
    dict(key="harbor-logo-cap", name="Harbor Logo Cap", brand="harbor-and-pine", leaf="Hats & Gloves", price=26,
         options=[("Color", ["Navy", "Khaki", "Black", "Rust"])], sku="HP-CAP", desc="cap", tags=["gift-idea"]),
    dict(key="alpine-rib-beanie", name="Alpine Rib Beanie", brand="northwake", leaf="Hats & Gloves", price=29,
         options=[("Color", ["Charcoal", "Red", "Mustard", "Forest"])], sku="NW-ARB", desc="beanie", tags=["gift-idea"]),
    dict(key="windproof-fleece-gloves", name="Windproof Fleece Gloves", brand="ridgeline", leaf="Hats & Gloves",
         price=39, options=[("Size", ["S", "M", "L", "XL"])], sku="RL-WFG", desc="gloves", tags=[]),
    # Footwear
    dict(key="granite-peak-mid-wp", name="Granite Peak Mid WP Boot", brand="granite-peak", leaf="Hiking Boots",
         price=165, options=[("Size", ["8", "8.5", "9", "9.5", "10", "11", "12"]), ("Width", ["Medium", "Wide"])],
         sku="GP-MWP", desc="boot", tags=["waterproof", "bestseller"], inactive={("12", "Wide")}),
    dict(key="granite-peak-womens-hiker", name="Granite Peak Women's Hiker", brand="granite-peak",
         leaf="Hiking Boots", price=155, options=[("Size", ["6", "6.5", "7", "7.5", "8", "8.5", "9", "10"])],
         sku="GP-WH", desc="boot", tags=["waterproof"]),
    dict(key="ridge-runner", name="Ridge Runner Trail Shoe", brand="granite-peak", leaf="Trail Runners", price=135,
         options=[("Color", ["Slate/Orange", "Black/Lime"]), ("Size", ["8", "9", "10", "11", "12"])],
         sku="GP-RR", desc="trailshoe", tags=["new-arrival"]),
    dict(key="tidewater-sport-sandal", name="Tidewater Sport Sandal", brand="tidewater",
         leaf="Sandals & Camp Shoes", price=65, options=[("Size", ["6", "7", "8", "9", "10", "11", "12"])],
         sku="TW-SS", desc="sandal", tags=["spring-2026"]),
    dict(key="camp-moc", name="Camp Moc Slipper", brand="driftwood", leaf="Sandals & Camp Shoes", price=55,
         options=[("Size", ["S", "M", "L", "XL"])], sku="DW-MOC", desc="moc", tags=["gift-idea"]),
    dict(key="merino-hiker-sock", name="Merino Hiker Sock", brand="switchback", leaf="Socks", price=24,
         options=[("Cushion", ["Light", "Full"]), ("Size", ["S", "M", "L", "XL"])], sku="SB-MHS", desc="sock",
         tags=["bestseller", "made-in-usa"], consumable=True),
    dict(key="everyday-crew-3pk", name="Everyday Crew Sock 3-Pack", brand="switchback", leaf="Socks", price=30,
         options=[("Color", ["Grey Mix", "Earth Mix"]), ("Size", ["M", "L"])], sku="SB-EC3", desc="sock",
         tags=[], consumable=True),
    dict(key="trail-run-quarter-sock", name="Trail Run Quarter Sock", brand="switchback", leaf="Socks", price=18,
         options=[("Size", ["S", "M", "L"])], sku="SB-TRQ", desc=None, tags=[], consumable=True),
    # Camping
    dict(key="cascade-20-down-bag", name="Cascade 20° Down Sleeping Bag", brand="driftwood",
         leaf="Sleeping Bags & Pads", price=289,
         options=[("Length", ["Regular", "Long"]), ("Zip", ["Left", "Right"])], sku="DW-C20", desc="sleepingbag",
         tags=["staff-pick"], upcharge={"Long": 20}),
    dict(key="basecamp-pad", name="Basecamp Self-Inflating Pad", brand="driftwood", leaf="Sleeping Bags & Pads",
         price=99, options=[("Size", ["Regular", "Long", "Wide"])], sku="DW-BSP", desc="pad", tags=[],
         upcharge={"Long": 15, "Wide": 25}),
    # Packs
    dict(key="basalt-28-daypack", name="Basalt 28L Daypack", brand="basalt", leaf="Daypacks", price=119,
         options=[("Color", ["Black", "Moss", "Clay"])], sku="BP-D28", desc="daypack", tags=["new-arrival"]),
    dict(key="cairn-55-pack", name="Cairn 55L Backpacking Pack", brand="basalt", leaf="Backpacking Packs",
         price=259, options=[("Torso", ["S/M", "M/L"]), ("Color", ["Slate", "Pine"])], sku="BP-C55",
         desc="backpack", tags=[]),
    dict(key="roll-top-duffel", name="Tidewater Roll-Top Duffel", brand="tidewater", leaf="Duffels & Travel",
         price=89, options=[("Size", ["40L", "70L", "100L"])], sku="TW-RTD", desc="duffel", tags=["waterproof"],
         upcharge={"70L": 20, "100L": 40}),
    # Hydration
    dict(key="alder-insulated-bottle", name="Alder Insulated Bottle", brand="alder", leaf="Water Bottles", price=32,
         options=[("Size", ["21 oz", "32 oz", "40 oz"]), ("Color", ["Stainless", "Lake Blue", "Sage", "Black"])],
         sku="AD-IB", desc="bottle", tags=["bestseller", "gift-idea"], upcharge={"32 oz": 6, "40 oz": 12}),
    dict(key="alder-camp-tumbler", name="Alder Camp Tumbler 16 oz", brand="alder", leaf="Water Bottles", price=24,
         options=[("Color", ["Stainless", "Sage", "Sunset"])], sku="AD-CT16", desc="tumbler", tags=[]),
    # Eyewear
    dict(key="kestrel-polarized", name="Kestrel Polarized Sunglasses", brand="kestrel", leaf="Sunglasses & Eyewear",
         price=119, options=[("Lens", ["Smoke", "Blue Mirror", "Amber"])], sku="KO-POL", desc="sunglasses",
         tags=["staff-pick"]),
]

# simple products: key, name, brand (or None), leaf, price, sku, extras
SIMPLE = [
    # Tents & Shelters
    ("ridge-2p-tent", "Driftwood Ridge 2P Tent", "driftwood", "Tents & Shelters", 349, "DW-R2P", dict(tags=["staff-pick"], desc="<p>Freestanding two-person, three-season tent. Two doors, two vestibules, 3 lb 14 oz packed.</p>")),
    ("ridge-3p-tent", "Driftwood Ridge 3P Tent", "driftwood", "Tents & Shelters", 429, "DW-R3P", dict(desc="<p>Three-person version of our best-selling Ridge tent.</p>")),
    ("ultralight-tarp", "Ultralight Tarp 10x10", "driftwood", "Tents & Shelters", 129, "DW-UL10", dict()),
    ("tent-footprint-2p", "Ridge 2P Tent Footprint", "driftwood", "Tents & Shelters", 49, "DW-R2P-FP", dict()),
    ("camp-hammock", "Camp Hammock with Straps", "driftwood", "Tents & Shelters", 69, "DW-HAM", dict(tags=["gift-idea"])),
    # Sleeping
    ("inflatable-pillow", "Inflatable Camp Pillow", "driftwood", "Sleeping Bags & Pads", 35, "DW-PIL", dict()),
    ("silk-liner", "Silk Sleeping Bag Liner", "driftwood", "Sleeping Bags & Pads", 59, "DW-SLK", dict(inactive=True)),
    # Camp Kitchen
    ("canister-stove", "Summit Canister Stove", "summit-forge", "Camp Kitchen", 59, "SF-STV", dict(tags=["bestseller"], desc="<p>Piezo-ignition canister stove. Boils 1 L in 3.5 minutes.</p>")),
    ("fuel-230", "Isobutane Fuel 230 g", "summit-forge", "Camp Kitchen", 7.99, "SF-FUEL-230", dict(consumable=True)),
    ("fuel-450", "Isobutane Fuel 450 g", "summit-forge", "Camp Kitchen", 10.99, "SF-FUEL-450", dict(consumable=True)),
    ("titanium-pot", "Titanium Pot 900 ml", "summit-forge", "Camp Kitchen", 64, "SF-TI900", dict()),
    ("cookset-2p", "Camp Cookset 2-Person", "summit-forge", "Camp Kitchen", 79, "SF-CK2", dict()),
    ("titanium-spork", "Titanium Spork", "summit-forge", "Camp Kitchen", 12, "SF-SPK", dict(tags=["gift-idea"])),
    ("enamel-mug", "Enamel Camp Mug", "harbor-and-pine", "Camp Kitchen", 16, "HP-MUG", dict(tags=["gift-idea"])),
    ("pour-over-dripper", "Collapsible Pour-Over Dripper", "summit-forge", "Camp Kitchen", 18, "SF-POD", dict()),
    ("camp-soap", "Biodegradable Camp Soap 4 oz", "cairn", "Camp Kitchen", 6, "CP-SOAP", dict(consumable=True)),
    # Camp Furniture
    ("camp-chair", "Driftwood Camp Chair", "driftwood", "Camp Furniture", 89, "DW-CHR", dict()),
    ("camp-table", "Compact Roll-Up Camp Table", "driftwood", "Camp Furniture", 119, "DW-TBL", dict()),
    ("camp-stool", "Folding Camp Stool", "driftwood", "Camp Furniture", 35, "DW-STL", dict(deleted=True)),
    # Water Filters
    ("squeeze-filter", "Squeeze Water Filter", "summit-forge", "Water Filters", 39, "SF-SQZ", dict()),
    ("gravity-filter", "Gravity Filter 4 L", "summit-forge", "Water Filters", 109, "SF-GRV", dict()),
    ("purification-tablets", "Water Purification Tablets (30)", "cairn", "Water Filters", 12, "CP-TAB", dict(consumable=True)),
    # Trail Food
    ("meal-chili-mac", "Freeze-Dried Chili Mac with Beef", "cairn", "Trail Food", 12.99, "CP-FD-CHM", dict(consumable=True)),
    ("meal-pad-thai", "Freeze-Dried Pad Thai", "cairn", "Trail Food", 13.49, "CP-FD-PTH", dict(consumable=True)),
    ("meal-breakfast", "Freeze-Dried Breakfast Skillet", "cairn", "Trail Food", 11.99, "CP-FD-BRK", dict(consumable=True)),
    ("meal-stroganoff", "Freeze-Dried Beef Stroganoff", "cairn", "Trail Food", 13.49, "CP-FD-STR", dict(consumable=True)),
    ("meal-mango", "Freeze-Dried Mango Sticky Rice", "cairn", "Trail Food", 8.99, "CP-FD-MNG", dict(consumable=True, inactive=True)),
    ("bar-pb-oat", "Peanut Butter Oat Bar", "cairn", "Trail Food", 3.25, "CP-BAR-PBO", dict(consumable=True)),
    ("bar-choc-cherry", "Dark Chocolate Cherry Bar", "cairn", "Trail Food", 3.25, "CP-BAR-DCC", dict(consumable=True)),
    ("trail-mix", "Harbor Trail Mix 8 oz", "harbor-and-pine", "Trail Food", 7.99, "HP-MIX", dict(consumable=True)),
    ("electrolyte-mix", "Electrolyte Drink Mix (20 servings)", "cairn", "Trail Food", 24, "CP-ELX", dict(consumable=True)),
    # Headlamps & Lanterns
    ("headlamp-400", "Lumen Trail 400 Headlamp", "lumen-trail", "Headlamps & Lanterns", 45, "LT-H400", dict(tags=["bestseller"])),
    ("headlamp-900", "Lumen Trail 900 Rechargeable Headlamp", "lumen-trail", "Headlamps & Lanterns", 79, "LT-H900", dict()),
    ("camp-lantern", "Lumen Camp Lantern", "lumen-trail", "Headlamps & Lanterns", 49, "LT-LAN", dict()),
    ("string-lights", "Lumen Solar String Lights", "lumen-trail", "Headlamps & Lanterns", 35, "LT-STR", dict(inactive=True)),
    ("aaa-batteries", "AAA Lithium Batteries 4-Pack", None, "Headlamps & Lanterns", 6, "GEN-AAA4", dict(consumable=True)),
    # Knives & Multi-tools
    ("folding-knife", "Summit Forge Folding Knife", "summit-forge", "Knives & Multi-tools", 65, "SF-FLD", dict()),
    ("multi-tool", "Summit Forge 14-in-1 Multi-tool", "summit-forge", "Knives & Multi-tools", 89, "SF-MT14", dict(tags=["gift-idea"])),
    ("bushcraft-knife", "Fixed Blade Bushcraft Knife", "summit-forge", "Knives & Multi-tools", 110, "SF-BCK", dict()),
    ("knife-sharpener", "Pocket Knife Sharpener", "summit-forge", "Knives & Multi-tools", 25, "SF-SHP", dict()),
    ("ferro-rod", "Ferro Rod Fire Starter", "summit-forge", "Knives & Multi-tools", 15, "SF-FRR", dict()),
    # Maps & Books
    ("map-catskills", "Catskills Trail Map", "old-harbor-press", "Maps & Books", 12.95, "OHP-MAP-CAT", dict()),
    ("map-high-peaks", "Adirondack High Peaks Trail Map", "old-harbor-press", "Maps & Books", 12.95, "OHP-MAP-ADK", dict()),
    ("map-hudson-highlands", "Hudson Highlands Trail Map", "old-harbor-press", "Maps & Books", 11.95, "OHP-MAP-HUD", dict()),
    ("map-harriman", "Harriman State Park Trail Map", "old-harbor-press", "Maps & Books", 11.95, "OHP-MAP-HAR", dict()),
    ("book-day-hikes-nyc", "Day Hikes Around New York City", "old-harbor-press", "Maps & Books", 19.95, "OHP-BK-DHN", dict(tags=["staff-pick"])),
    ("book-lnt-guide", "Leave No Trace Field Guide", "old-harbor-press", "Maps & Books", 9.95, "OHP-BK-LNT", dict()),
    ("book-wfa", "Wilderness First Aid Handbook", "old-harbor-press", "Maps & Books", 16.95, "OHP-BK-WFA", dict()),
    ("book-birds-ne", "Birds of the Northeast", "old-harbor-press", "Maps & Books", 22, "OHP-BK-BNE", dict(inactive=True)),
    # Sunglasses & Eyewear
    ("retainer-strap", "Sunglass Retainer Strap", "kestrel", "Sunglasses & Eyewear", 12, "KO-STRAP", dict()),
    ("lens-kit", "Lens Cleaning Kit", "kestrel", "Sunglasses & Eyewear", 9, "KO-CLN", dict()),
    # Safety & Navigation
    ("trekking-poles", "Carbon Trekking Poles (Pair)", "ridgeline", "Safety & Navigation", 119, "RL-TP", dict()),
    ("baseplate-compass", "Baseplate Compass", None, "Safety & Navigation", 35, "GEN-CMP", dict()),
    ("first-aid-kit", "Day Hiker First Aid Kit", None, "Safety & Navigation", 39, "GEN-FAK", dict()),
    ("emergency-bivy", "Emergency Bivy", None, "Safety & Navigation", 25, "GEN-BVY", dict()),
    ("bug-spray", "Picaridin Insect Repellent 4 oz", None, "Safety & Navigation", 9, "GEN-BUG", dict(consumable=True)),
    ("sunscreen", "Mineral Sunscreen SPF 50", None, "Safety & Navigation", 14, "GEN-SPF50", dict(consumable=True)),
    ("bear-canister", "Bear-Resistant Food Canister", None, "Safety & Navigation", 89, "GEN-BRC", dict()),
    ("trekking-umbrella", "Bramble Trekking Umbrella", "bramble", "Safety & Navigation", 45, "BR-UMB", dict(deleted=True)),
    # Pack Accessories
    ("pack-rain-cover", "Pack Rain Cover", "basalt", "Pack Accessories", 29, "BP-PRC", dict(tags=["waterproof"])),
    ("dry-bag-10", "Tidewater Dry Bag 10 L", "tidewater", "Pack Accessories", 25, "TW-DB10", dict(tags=["waterproof"])),
    ("dry-bag-20", "Tidewater Dry Bag 20 L", "tidewater", "Pack Accessories", 32, "TW-DB20", dict(tags=["waterproof"])),
    ("hip-belt-pocket", "Hip Belt Pocket", "basalt", "Pack Accessories", 22, "BP-HBP", dict()),
    # Gifts & Services
    ("gift-card-25", "Gift Card $25", None, "Gift Cards", 25, "GC-25", dict(no_inventory=True, tax_free=True)),
    ("gift-card-50", "Gift Card $50", None, "Gift Cards", 50, "GC-50", dict(no_inventory=True, tax_free=True)),
    ("gift-card-100", "Gift Card $100", None, "Gift Cards", 100, "GC-100", dict(no_inventory=True, tax_free=True)),
    ("sticker", "Harbor & Pine Sticker", "harbor-and-pine", "Souvenirs", 3, "HP-STK", dict(consumable=True)),
    ("enamel-pin", "Harbor & Pine Enamel Pin", "harbor-and-pine", "Souvenirs", 8, "HP-PIN", dict()),
    ("old-logo-sticker", "Harbor & Pine Sticker (Old Logo)", "harbor-and-pine", "Souvenirs", 2, "HP-STK-OLD", dict(deleted=True)),
    ("gift-wrap", "Gift Wrap", None, "Services", 5, "SVC-WRAP", dict(no_inventory=True)),
    ("boot-resole", "Boot Resoling Service", None, "Services", 95, "SVC-RESOLE", dict(no_inventory=True)),
    ("tent-seam-seal", "Tent Seam Sealing Service", None, "Services", 40, "SVC-SEAM", dict(no_inventory=True)),
    ("knife-sharpening", "Knife Sharpening Service", None, "Services", 10, "SVC-SHARP", dict(no_inventory=True)),
]

WEIGHT_BY_LEAF = {  # (min, max, unit)
    "Jackets & Vests": (0.6, 2.4, "LB"), "Tops & Tees": (5, 14, "OZ"), "Pants & Shorts": (8, 16, "OZ"),
    "Base Layers": (150, 260, "G"), "Hats & Gloves": (2, 5, "OZ"), "Hiking Boots": (0.9, 1.3, "KG"),
    "Trail Runners": (0.55, 0.7, "KG"), "Sandals & Camp Shoes": (10, 22, "OZ"), "Socks": (60, 110, "G"),
    "Tents & Shelters": (0.4, 2.2, "KG"), "Sleeping Bags & Pads": (0.5, 1.4, "KG"),
    "Camp Kitchen": (20, 400, "G"), "Camp Furniture": (1.5, 6.0, "LB"), "Daypacks": (1.6, 2.4, "LB"),
    "Backpacking Packs": (3.5, 4.6, "LB"), "Duffels & Travel": (1.1, 2.3, "KG"),
    "Pack Accessories": (2, 6, "OZ"), "Water Bottles": (10, 22, "OZ"), "Water Filters": (3, 12, "OZ"),
    "Trail Food": (40, 180, "G"), "Headlamps & Lanterns": (70, 260, "G"), "Knives & Multi-tools": (2, 9, "OZ"),
    "Maps & Books": (3, 14, "OZ"), "Sunglasses & Eyewear": (20, 40, "G"), "Safety & Navigation": (2, 40, "OZ"),
}
DIMS_BY_LEAF = {  # (l, w, h) ranges share one unit
    "Tents & Shelters": ((40, 55), (15, 20), (15, 20), "CM"), "Sleeping Bags & Pads": ((30, 55), (15, 25), (15, 25), "CM"),
    "Camp Furniture": ((14, 36), (6, 12), (5, 10), "IN"), "Daypacks": ((18, 20), (11, 12), (7, 9), "IN"),
    "Backpacking Packs": ((28, 32), (13, 15), (10, 12), "IN"), "Duffels & Travel": ((500, 800), (300, 400), (250, 350), "MM"),
    "Hiking Boots": ((32, 34), (21, 23), (12, 14), "CM"), "Trail Runners": ((31, 33), (20, 22), (11, 12), "CM"),
    "Water Bottles": ((75, 95), (75, 95), (220, 310), "MM"), "Camp Kitchen": ((8, 25), (8, 20), (4, 12), "CM"),
    "Headlamps & Lanterns": ((3, 7), (2, 5), (2, 8), "IN"), "Knives & Multi-tools": ((90, 230), (25, 40), (12, 20), "MM"),
    "Water Filters": ((12, 30), (6, 10), (4, 8), "CM"), "Maps & Books": ((8, 10), (5, 7), (0.2, 1), "IN"),
}


# --------------------------------------------------------------------------- builders

def build_taxes():
    taxes = []
    for key, name, rate, is_default in TAX_DEFS:
        taxes.append({
            "id": uid("tax", key),
            "name": name,
            "display_name": name,
            "is_default": is_default,
            "rates": [{"id": uid("tax-rate", key), "name": name, "display_name": name, "rate": num(rate, 5)}],
            "deleted_at": None,
            "version": next_version(),
        })
    return taxes


def build_outlets():
    out = []
    for o in OUTLET_DEFS:
        out.append({
            "id": uid("outlet", o["key"]),
            "name": o["name"],
            "currency": "USD",
            "currency_symbol": "$",
            "default_tax_id": uid("tax", o["tax"]),
            "display_prices": "exclusive",
            "time_zone": "America/New_York",
            "attributes": [{"key": k, "value": v} for k, v in o["attrs"]],
            "email": o["email"],
            "phone": o["phone"],
            "latitude": o["lat"],
            "longitude": o["lon"],
            "physical_address_1": o["a1"],
            "physical_address_2": o["a2"],
            "physical_city": o["city"],
            "physical_suburb": o["suburb"],
            "physical_state": o["state"],
            "physical_postcode": o["postcode"],
            "physical_country_id": "US",
            "deleted_at": None,
            "version": next_version(),
        })
    return out


def build_payment_types():
    out = []
    created = dt.datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    for i, (key, name, type_id, config, disabled, outlets, gateway, editable) in enumerate(PAYMENT_TYPE_DEFS):
        out.append({
            "id": uid("payment-type", key),
            "name": name,
            "type_id": type_id,
            "config": config,
            "disabled": disabled,
            "internal": False,
            "gateway": gateway,
            "is_editable": editable,
            "name_changed_by_user": key == "web-order",
            "outlet_ids": None if outlets is None else [uid("outlet", k) for k in outlets],
            "created_at": ts(created + dt.timedelta(minutes=3 * i)),
            "deleted_at": None,
            "version": next_version(),
        })
    return out


def build_registers():
    regs = []
    defs = [
        dict(key="main", name="Main Register", outlet="main", prefix="MS-", seq=1042, suffix="", open_day=(6, 28)),
        dict(key="popup", name="Pop-up Register", outlet="popup", prefix="PU-", seq=118, suffix="-26", open_day=(6, 27)),
    ]
    for d in defs:
        opened = dt.datetime(2026, d["open_day"][0], d["open_day"][1], 13, 2, 11, tzinfo=UTC)
        regs.append({
            "id": uid("register", d["key"]),
            "name": d["name"],
            "outlet_id": uid("outlet", d["outlet"]),
            "invoice_prefix": d["prefix"],
            "invoice_sequence": d["seq"],
            "invoice_suffix": d["suffix"],
            "ask_for_note_on_save": 1,
            "ask_for_user_on_sale": d["key"] == "popup",
            "button_layout_id": uid("button-layout", d["key"]),
            "cash_managed_payment_type_id": uid("payment-type", "cash"),
            "email_receipt": True,
            "print_receipt": d["key"] == "main",
            "print_note_on_receipt": False,
            "show_discounts_on_receipts": True,
            "receipt_template_id": uid("receipt-template", "standard"),
            "is_open": True,
            "register_open_sequence_id": uid("register-open-sequence", d["key"], "2026-06"),
            "register_open_time": ts(opened),
            "register_close_time": None,
            "deleted_at": None,
            "version": next_version(),
        })
    return regs


def build_users():
    defs = [
        dict(key="maya", username="maya.chen", display="Maya Chen", type="admin", primary=True, outlets=[],
             role=("100", "Admin"), mfa=True, avatar=True, targets=(1500, 9000, 36000)),
        dict(key="luis", username="luis.ortega", display="Luis Ortega", type="manager", primary=False, outlets=[],
             role=("200", "Manager"), mfa=False, avatar=False, targets=(1200, 7000, 28000)),
        dict(key="priya", username="priya.n", display="Priya Natarajan", type="cashier", primary=False,
             outlets=["main"], role=("300", "Cashier"), mfa=False, avatar=False, targets=(800, 4500, 18000)),
        dict(key="jordan", username="jordan.blake", display="Jordan Blake", type="cashier", primary=False,
             outlets=["popup"], role=("300", "Cashier"), mfa=False, avatar=False, targets=None),
    ]
    perms = {
        "admin": ["user.add_edit", "user.view", "product.add_edit", "sale.void", "setup.manage"],
        "manager": ["user.view", "product.add_edit", "sale.void"],
        "cashier": None,
    }
    out = []
    for i, d in enumerate(defs):
        created = dt.datetime(2026, 1, 5, 9, 0, tzinfo=UTC) + dt.timedelta(days=[0, 3, 12, 40][i], hours=i)
        updated = rand_time(created, T_CATALOG_END)
        seen = rand_time(dt.datetime(2026, 6, 20, tzinfo=UTC), T_END)
        email = "%s@harborpine.example.com" % d["username"].split(".")[0]
        u = {
            "id": uid("user", d["key"]),
            "username": d["username"],
            "display_name": d["display"],
            "email": email,
            "email_verified_at": ts(created + dt.timedelta(minutes=17)),
            "account_type": d["type"],
            "is_primary_user": d["primary"],
            "enabled": True,
            "enabled_mfa": ({"id": uid("mfa", d["key"]), "type": "otp",
                             "created_at": ts(created + dt.timedelta(days=1))} if d["mfa"] else None),
            "permissions": perms[d["type"]],
            "require_password_change": False,
            "restricted_outlet_id": uid("outlet", d["outlets"][0]) if len(d["outlets"]) == 1 else None,
            "restricted_outlet_ids": [uid("outlet", k) for k in d["outlets"]],
            "roles": [{"id": d["role"][0], "name": d["role"][1], "system_role_id": d["role"][0]}],
            "rules": ({"sale.line_item_discount.manage": {"max_discount": 100}} if d["type"] != "cashier"
                      else {"sale.line_item_discount.manage": {"max_discount": 15}}),
            "seen_at": ts(seen),
            "switch_id": "usi:" + uid("switch", d["key"]).replace("-", "")[:12],
            "target_daily": d["targets"][0] if d["targets"] else None,
            "target_weekly": d["targets"][1] if d["targets"] else None,
            "target_monthly": d["targets"][2] if d["targets"] else None,
            "time_until_deletion": None,
            "images": None,
            "created_at": ts(created),
            "updated_at": ts(updated),
            "deleted_at": None,
            "version": next_version(),
        }
        if d["avatar"]:
            base = "%s/users/%s" % (IMG_HOST, d["key"])
            u["images"] = {k: "%s/%s.jpg" % (base, k) for k in
                           ["original", "sl", "sm", "ss", "st", "standard", "thumb"]}
            u["image_source"] = "%s/ss.jpg" % base
        out.append(u)
    return out


def build_brands():
    out = []
    by_key = {}
    for key, name, desc in BRAND_DEFS:
        b = {
            "id": uid("brand", key),
            "name": name,
            "description": desc,
            "deleted_at": ts(dt.datetime(2026, 3, 2, 15, 44, 9, tzinfo=UTC)) if key in DELETED_BRANDS else None,
            "version": next_version(),
        }
        out.append(b)
        by_key[key] = b
    return out, by_key


def build_tags():
    tags = {}
    for t in TAG_DEFS:
        tags[t] = {"id": uid("tag", t), "name": t, "deleted_at": None, "version": next_version()}
    return tags


def build_categories():
    cats = []
    leaves = {}
    for root_name, children in CATEGORY_TREE:
        rid = uid("category", slug(root_name))
        cats.append({
            "id": rid,
            "name": root_name,
            # root: parent_category_id omitted (schema: non-nullable string; description: "null if root")
            "root_category_id": rid,
            "leaf_category": False,
            "category_path": [{"id": rid, "name": root_name}],
        })
        for child in children:
            cid = uid("category", slug(root_name), slug(child))
            c = {
                "id": cid,
                "name": child,
                "parent_category_id": rid,
                "root_category_id": rid,
                "leaf_category": True,
                "category_path": [{"id": rid, "name": root_name}, {"id": cid, "name": child}],
            }
            cats.append(c)
            assert child not in leaves, child
            leaves[child] = c
    # API sorts by full category path
    cats.sort(key=lambda c: [p["name"].lower() for p in c["category_path"]])
    return cats, leaves


SUPPLIERS = {k: {"id": uid("supplier", k), "name": n, "deleted_at": None} for k, n in SUPPLIER_DEFS}


class Catalog:
    def __init__(self, brands, tags, leaves):
        self.brands = brands
        self.tags = tags
        self.leaves = leaves
        self.rows = []
        self.upc_seq = 1000
        self.meta = {}  # product id -> generation hints (consumable, kind)

    # ---- shared pieces
    def images(self, handle, n):
        return [{"id": uid("image", handle, i), "url": "%s/products/%s/%d.jpg" % (IMG_HOST, handle, i),
                 "version": next_version()} for i in range(1, n + 1)]

    def product_code(self, pid, sku, branded):
        if branded:
            self.upc_seq += rng.randint(1, 9)
            return [{"id": uid("product-code", pid), "code": upc(self.upc_seq), "type": "UPC"}]
        return [{"id": uid("product-code", pid), "code": sku, "type": "CUSTOM"}]

    @staticmethod
    def pick_supplier(brand_key):
        """Most branded goods are bought through a supplier; a quarter have none on file."""
        skey = BRAND_SUPPLIER.get(brand_key)
        if skey is None or rng.random() < 0.25:
            return None
        return skey

    def suppliers_for(self, pid, skey, sku, supply):
        if skey is None:
            return None, []
        s = SUPPLIERS[skey]
        return s, [{
            "id": uid("product-supplier", pid, skey),
            "product_id": pid,
            "supplier_id": s["id"],
            "supplier_name": s["name"],
            "code": "%s-%s" % (skey.upper(), sku),
            "price": supply,
        }]

    def physical(self, leaf, no_inventory):
        """weight/weight_unit and dimensions; some rows leave them null."""
        w = {"weight": None, "weight_unit": None}
        d = {"length": None, "width": None, "height": None, "dimensions_unit": None}
        if no_inventory:
            return w, d
        if leaf in WEIGHT_BY_LEAF and rng.random() < 0.8:
            lo, hi, unit = WEIGHT_BY_LEAF[leaf]
            places = 0 if unit in ("G",) else (1 if unit == "OZ" else 2)
            w = {"weight": num(rng.uniform(lo, hi), places), "weight_unit": unit}
        if leaf in DIMS_BY_LEAF and rng.random() < 0.75:
            (l0, l1), (w0, w1), (h0, h1), unit = DIMS_BY_LEAF[leaf]
            places = 0 if unit == "MM" else 1
            d = {"length": num(rng.uniform(l0, l1), places), "width": num(rng.uniform(w0, w1), places),
                 "height": num(rng.uniform(h0, h1), places), "dimensions_unit": unit}
        return w, d

    def base_row(self, pid, name, handle, sku, brand_key, leaf_name, price, supply, created, updated,
                 tag_keys, description, tax_free=False):
        leaf = self.leaves[leaf_name]
        brand = self.brands.get(brand_key) if brand_key else None
        rate = 0.0 if tax_free else DEFAULT_RATE
        tags = [self.tags[t] for t in tag_keys]
        return {
            "id": pid,
            "name": name,
            "handle": handle,
            "sku": sku,
            "active": True,
            "is_composite": False,
            "has_inventory": True,
            "has_variants": False,
            "variant_count": None,
            "variant_parent_id": None,
            "family_id": pid,
            "variant_name": None,
            "variant_options": [],
            "brand_id": brand["id"] if brand else None,
            "brand": ({"id": brand["id"], "name": brand["name"], "version": brand["version"],
                       "deleted_at": brand["deleted_at"]} if brand else None),
            "product_category": leaf,
            "product_type_id": leaf["id"],
            "type": {"id": leaf["id"], "name": leaf["name"], "category_path": leaf["category_path"],
                     "leaf_category": True, "deleted_at": None},
            "categories": tags,
            "tag_ids": [t["id"] for t in tags],
            "description": description,
            "supply_price": num(supply),
            "price_excluding_tax": num(price),
            "price_including_tax": num(price * (1 + rate), 5),
            "loyalty_amount": None,
            "source": "USER",
            "source_id": None,
            "source_variant_id": None,
            "account_code": None,
            "account_code_purchase": None,
            "tax_category": None,
            "attributes": [],
            "customizations": [],
            "packaging": {"breaks_into": [], "made_from": []},
            "images": [],
            "skuImages": [],
            "image_url": "https://images.example.com/placeholder/no-image-white-standard.png",
            "image_thumbnail_url": "https://images.example.com/placeholder/no-image-white-thumb.png",
            "created_at": ts(created),
            "updated_at": ts(updated),
            "deleted_at": None,
        }

    def set_images(self, row, images, sku_images):
        row["images"] = images
        row["skuImages"] = sku_images
        first = (sku_images or images or [None])[0]
        if first:
            row["image_url"] = first["url"] + "?w=350"
            row["image_thumbnail_url"] = first["url"] + "?w=160"

    def loyalty(self, price):
        r = rng.random()
        if r < 0.55:
            return None  # store default ratio applies
        if r < 0.9:
            return num(price * 0.05)
        return 0

    def finish(self, row, supplier_key, leaf, no_inventory):
        s, ps = self.suppliers_for(row["id"], supplier_key, row["sku"], row["supply_price"])
        row["supplier"] = s
        row["supplier_id"] = s["id"] if s else None
        row["supplier_code"] = ps[0]["code"] if ps else None
        row["product_suppliers"] = ps
        w, d = self.physical(leaf, no_inventory)
        row.update(w)
        row.update(d)
        row["version"] = next_version()
        self.rows.append(row)

    # ---- families
    def add_family(self, f):
        handle = slug(f["name"])
        parent_id = uid("product", f["key"])
        created = rand_time(T_START, dt.datetime(2026, 4, 30, tzinfo=UTC))
        ratio = rng.uniform(0.42, 0.55)
        desc = DESC_SNIPPETS.get(f["desc"]) if f.get("desc") else None
        if desc is not None and rng.random() < 0.12:
            desc = None
        fam_images = self.images(handle, rng.randint(1, 4))
        fam_deleted_at = rand_time(created + dt.timedelta(days=20), T_END) if f.get("family_deleted") else None
        fam_inactive = f.get("family_inactive", False)
        upcharge = f.get("upcharge", {})

        # cartesian product of option values
        combos = [[]]
        for _, values in f["options"]:
            combos = [c + [v] for c in combos for v in values]

        parent = self.base_row(parent_id, f["name"], handle, f["sku"], f["brand"], f["leaf"], f["price"],
                               f["price"] * ratio, created, rand_time(created, T_CATALOG_END), f["tags"], desc)
        parent["has_variants"] = True
        parent["loyalty_amount"] = self.loyalty(f["price"])
        self.set_images(parent, fam_images, [])
        # the parent row is a placeholder; it carries the family's default code
        parent["_kind"] = "parent"
        live_variants = 0
        variants = []
        for combo in combos:
            key = tuple(combo)
            vid = uid("product", f["key"], *combo)
            sku = "-".join([f["sku"]] + [opt_code(v) for v in combo])
            price = f["price"] + sum(upcharge.get(v, 0) for v in combo)
            v_updated = rand_time(created, T_CATALOG_END)
            row = self.base_row(vid, f["name"], handle, sku, f["brand"], f["leaf"], price, price * ratio,
                                created, v_updated, f["tags"], desc)
            row["variant_parent_id"] = parent_id
            row["family_id"] = parent_id
            row["variant_options"] = [{"id": uid("variant-attribute", n), "name": n, "value": v}
                                      for (n, _), v in zip(f["options"], combo)]
            row["variant_name"] = " / ".join([f["name"]] + combo)
            row["loyalty_amount"] = self.loyalty(price)
            sku_imgs = []
            color = dict(zip([n for n, _ in f["options"]], combo)).get("Color")
            if color and rng.random() < 0.7:
                sku_imgs = [{"id": uid("sku-image", f["key"], color, *combo),
                             "url": "%s/products/%s/%s.jpg" % (IMG_HOST, handle, slug(color)),
                             "version": next_version()}]
            self.set_images(row, fam_images, sku_imgs)
            row["_kind"] = "variant"
            if fam_inactive or key in f.get("inactive", set()):
                row["active"] = False
            deleted_at = fam_deleted_at
            if key in f.get("deleted", set()):
                deleted_at = rand_time(created + dt.timedelta(days=10), T_END)
            if deleted_at:
                row["deleted_at"] = ts(deleted_at)
                row["updated_at"] = ts(deleted_at)
            else:
                live_variants += 1
            variants.append(row)
        parent["variant_count"] = live_variants
        parent["product_codes"] = self.product_code(parent_id, f["sku"], False)
        if fam_inactive:
            parent["active"] = False
        if fam_deleted_at:
            parent["deleted_at"] = ts(fam_deleted_at)
            parent["updated_at"] = ts(fam_deleted_at)
        self.meta[parent_id] = dict(consumable=f.get("consumable", False))
        supplier_key = self.pick_supplier(f["brand"])  # one supplier for the whole family
        self.finish(parent, supplier_key, f["leaf"], True)
        for row in variants:
            row["product_codes"] = self.product_code(row["id"], row["sku"], True)
            self.meta[row["id"]] = dict(consumable=f.get("consumable", False))
            self.finish(row, supplier_key, f["leaf"], False)

    # ---- simple products
    def add_simple(self, key, name, brand_key, leaf, price, sku, extra):
        pid = uid("product", key)
        handle = slug(name)
        created = rand_time(T_START, dt.datetime(2026, 5, 15, tzinfo=UTC))
        ratio = rng.uniform(0.4, 0.6)
        no_inv = extra.get("no_inventory", False)
        if extra.get("tax_free"):
            ratio = 1.0  # a gift card costs what it sells for
        if no_inv and not extra.get("tax_free"):
            ratio = rng.uniform(0.0, 0.3)
        desc = extra.get("desc")
        if desc is None and rng.random() < 0.45:
            desc = "%s by %s." % (name, self.brands[brand_key]["name"]) if brand_key else None
        row = self.base_row(pid, name, handle, sku, brand_key, leaf, price, price * ratio, created,
                            rand_time(created, T_CATALOG_END), extra.get("tags", []), desc,
                            tax_free=extra.get("tax_free", False))
        row["has_inventory"] = not no_inv
        row["loyalty_amount"] = 0 if extra.get("tax_free") else self.loyalty(price)
        n_img = 0 if no_inv and rng.random() < 0.6 else rng.randint(0, 3)
        self.set_images(row, self.images(handle, n_img), [])
        row["_kind"] = "simple"
        if extra.get("inactive"):
            row["active"] = False
        if extra.get("deleted"):
            d = rand_time(created + dt.timedelta(days=14), T_END)
            row["deleted_at"] = ts(d)
            row["updated_at"] = ts(d)
        row["product_codes"] = self.product_code(pid, sku, brand_key is not None and not no_inv)
        self.meta[pid] = dict(consumable=extra.get("consumable", False))
        self.finish(row, self.pick_supplier(brand_key), leaf, no_inv)

    def add_discount_product(self):
        """Every X-Series store has the built-in sale-level discount product."""
        pid = uid("product", "vend-discount")
        created = dt.datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)
        row = self.base_row(pid, "Discount", "vend-discount", "vend-discount", None, "Services", 0, 0,
                            created, created, [], None, tax_free=True)
        row["product_category"] = None
        row["product_type_id"] = None
        row["type"] = None
        row["has_inventory"] = False
        row["product_codes"] = [{"id": uid("product-code", pid), "code": "vend-discount", "type": "CUSTOM"}]
        row["_kind"] = "simple"
        self.meta[pid] = dict(consumable=False)
        self.finish(row, None, "Services", True)
        return pid

    def add_shipping_product(self):
        """The service a web order's shipping cost is sold as. Added after every other row and
        without drawing from the random stream, so the rest of the store is unchanged."""
        pid = uid("product", "shipping")
        created = dt.datetime(2026, 1, 5, 9, 5, 0, tzinfo=UTC)
        row = self.base_row(pid, "Shipping", "shipping", "SHIPPING", None, "Services", 0, 0,
                            created, created, [], "Shipping and handling, priced per order.")
        row["has_inventory"] = False
        row["loyalty_amount"] = 0
        row["product_codes"] = [{"id": uid("product-code", pid), "code": "SHIPPING", "type": "CUSTOM"}]
        row["supplier"] = None
        row["supplier_id"] = None
        row["supplier_code"] = None
        row["product_suppliers"] = []
        row.update({"weight": None, "weight_unit": None, "length": None, "width": None, "height": None,
                    "dimensions_unit": None})
        _version[0] += 1
        row["version"] = _version[0]
        self.rows.append(row)
        return pid


def build_inventory(products, outlets):
    out = []
    wh = uid("outlet", "warehouse")
    main = uid("outlet", "main")
    for p in products:
        if not p["has_inventory"] or p["has_variants"]:
            continue
        consumable = p["_meta"]["consumable"]
        for o in outlets:
            oid = o["id"]
            if p["deleted_at"]:
                level = 0 if rng.random() < 0.7 else rng.randint(1, 3)
            elif oid == wh:
                level = rng.randint(200, 1400) if consumable and rng.random() < 0.6 else rng.randint(0, 80)
            elif oid == main:
                level = rng.randint(0, 45)
            else:
                level = rng.randint(0, 12)
            r = rng.random()
            if not p["deleted_at"] and r < 0.11:
                level = 0
            elif not p["deleted_at"] and r < 0.122:
                level = -rng.randint(1, 3)  # oversold
            if oid == wh:
                weights = (0.4, 0.3)
            elif oid == main:
                weights = (0.2, 0.4)
            else:
                weights = (0.3, 0.0)
            m = rng.random()
            if m < weights[0]:
                method = "FIXED"
                rp = rng.randint(2, 10) * (5 if oid == wh else 1)
                ra = rng.randint(6, 24) * (5 if oid == wh else 1)
                target = rp + ra
            elif m < weights[0] + weights[1]:
                method = "MIN_MAX"
                rp = rng.randint(2, 10) * (5 if oid == wh else 1)
                target = rp + rng.randint(8, 30) * (5 if oid == wh else 1)
                ra = max(0, target - level)
            else:
                method, rp, ra, target = None, None, None, None
            supply = p["supply_price"]
            avg = None if (level <= 0 and rng.random() < 0.5) or rng.random() < 0.04 \
                else num(supply * rng.uniform(0.94, 1.06))
            out.append({
                "id": uid("inventory", p["id"], oid),
                "product_id": p["id"],
                "outlet_id": oid,
                "current_inventory_level": level,
                "reorder_method": method,
                "reorder_point": rp,
                "reorder_amount": ra,
                "reorder_target": target,
                "quantity_to_procure": rng.randint(1, 4) if (not p["deleted_at"] and rng.random() < 0.05) else 0,
                "average_cost": avg,
                "deleted_at": p["deleted_at"],
                "version": next_version(),
            })
    return out


CUSTOMER_DEFS = [
    # first, last, company, email, city, suburb, state, postcode, address, gender, dob, note
    ("Elena", "Marsh", None, "elena.marsh@example.com", "Brooklyn", "Park Slope", "NY", "11215", "318 7th Avenue", "F", "1988-04-17", None),
    ("Darnell", "Okafor", None, "d.okafor@example.net", "New York", "Harlem", "NY", "10027", "2150 Frederick Douglass Blvd", "M", None, "Prefers wide-fit boots."),
    ("Sofia", "Reyes", "Hudson Valley Scouts Troop 12", "troop12.treasurer@example.org", "Beacon", None, "NY", "12508", "19 Teller Avenue", "F", None, "Troop account: 10% group discount."),
    ("Ben", "Whitaker", None, "ben.whitaker@example.com", "Jersey City", "Paulus Hook", "NJ", "07302", "77 Greene Street", "M", "1979-11-02", None),
    ("Hana", "Sato", None, "hana.sato@example.com", "Queens", "Astoria", "NY", "11103", "31-45 Steinway Street", None, None, None),
    ("Marcus", "Lindqvist", "Catskill Trail Guides LLC", "bookings@catskilltrailguides.example.com", "Phoenicia", None, "NY", "12464", "62 Main Street", "M", None, "Guide outfitter; orders by phone."),
    ("Grace", "Abernathy", None, "grace.abernathy@example.net", "Hoboken", None, "NJ", "07030", "1012 Washington Street", "F", "1994-07-29", None),
    ("Tomás", "Vidal", None, "tomas.vidal@example.com", "Brooklyn", "Williamsburg", "NY", "11211", "455 Bedford Avenue", "M", None, None),
    ("Aisha", "Karimi", None, None, "Bronx", "Riverdale", "NY", "10471", "5625 Netherland Avenue", "F", None, "No email on file; call for special orders."),
    ("Owen", "Fitzgerald", "Riverbend Outdoor Club", "owen@riverbendoutdoor.example.org", "Stamford", None, "CT", "06901", "200 Atlantic Street", "M", "1985-01-23", None),
    ("Lily", "Chen-Watson", None, "lily.cw@example.com", "New York", "Upper West Side", "NY", "10024", "241 West 80th Street", "F", None, None),
    ("Ravi", "Shah", None, "ravi.shah@example.net", "Montclair", None, "NJ", "07042", "14 Church Street", "M", None, "Account closed at customer's request."),
]


def build_customers():
    out = []
    group = uid("customer-group", "all-customers")
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    for i, (first, last, company, email, city, suburb, state, pc, addr, gender, dob, note) in enumerate(CUSTOMER_DEFS):
        created = rand_time(T_START, dt.datetime(2026, 5, 31, tzinfo=UTC))
        updated = rand_time(created, T_END)
        code = "%s-%s" % (first.split("-")[0].replace("á", "a"), "".join(rng.choice(alphabet) for _ in range(4)))
        deleted = ts(updated) if i == len(CUSTOMER_DEFS) - 1 else None
        same_postal = rng.random() < 0.7
        phone = "(%s) 555-01%02d" % ({"NY": "917", "NJ": "201", "CT": "203"}[state], 20 + i)
        c = {
            "id": uid("customer", first.lower(), last.lower()),
            "first_name": first,
            "last_name": last,
            "name": "%s %s" % (first, last),
            "company_name": company,
            "email": email,
            "customer_code": code,
            "customer_group_id": group,
            "date_of_birth": dob,
            "gender": gender,
            "do_not_email": email is None or i == 6,
            "enable_loyalty": company is None,
            "enable_promotional_sms": i % 4 == 1,
            "phone": phone if i % 3 != 2 else None,
            "mobile": "(%s) 555-02%02d" % ({"NY": "646", "NJ": "551", "CT": "475"}[state], 30 + i) if i % 3 != 1 else None,
            "fax": None,
            "note": note,
            "twitter": None,
            "website": ("https://" + email.split("@")[1]) if company and email else None,
            "tax_id": None,
            "on_account_limit": 2500 if company else None,
            "custom_field_1": "Troop 12" if i == 2 else None,
            "custom_field_2": None,
            "custom_field_3": None,
            "custom_field_4": None,
            "physical_address_1": addr,
            "physical_address_2": "Apt %d%s" % (rng.randint(1, 9), "ABCD"[i % 4]) if company is None and i % 2 == 0 else None,
            "physical_suburb": suburb,
            "physical_city": city,
            "physical_state": state,
            "physical_postcode": pc,
            "physical_country_id": "US",
            "postal_address_1": addr if same_postal else "PO Box %d" % rng.randint(100, 9999),
            "postal_address_2": None,
            "postal_suburb": suburb if same_postal else None,
            "postal_city": city,
            "postal_state": state,
            "postal_postcode": pc,
            "postal_country_id": "US",
            "balance": num(-rng.randint(50, 400)) if company else 0,
            "loyalty_balance": num(rng.uniform(0, 60)) if company is None else 0,
            "year_to_date": num(rng.uniform(40, 1800)),
            "created_at": ts(created),
            "updated_at": ts(updated),
            "deleted_at": deleted,
            "version": next_version(),
        }
        out.append(c)
    return out


def build_retailer(discount_id, no_tax_id):
    return {
        "id": uid("retailer", DOMAIN_PREFIX),
        "name": RETAILER_NAME,
        "domain_prefix": DOMAIN_PREFIX,
        "store_url": "https://%s.retail.lightspeed.app" % DOMAIN_PREFIX,
        "account_status": "active",
        "account_type": "paid",
        "country": "US",
        "culture": "en-US",
        "currency": {"code": "USD", "symbol": "$"},
        "timezone": "America/New_York",
        "tax_exclusive": True,
        "no_tax_group_id": no_tax_id,
        "discount_product_id": discount_id,
        "embedded_barcode_option": "none",
        "enable_line_item_consolidation": True,
        "store_credit": True,
        "sso_enabled": False,
        "gift_cards": {"enabled": True, "never_enabled": False},
        "loyalty": {"enabled": True, "ratio": 0.05, "send_welcome_email": True,
                    "claim_url": "https://%s.retail.lightspeed.app/loyalty" % DOMAIN_PREFIX},
        "on_account": {"default_limit": None},
        "sku_sequence": {"enabled": False, "value": 10000},
        "created_at": ts(dt.datetime(2026, 1, 5, 8, 41, 3, tzinfo=UTC)),
        "activated_at": ts(dt.datetime(2026, 1, 5, 8, 55, 47, tzinfo=UTC)),
        # Retailer.version is typed "string" in the 2026-07 spec (every other resource: int64)
        "version": str(next_version()),
    }


# --------------------------------------------------------------------------- schema check (stdlib)

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
RFC3339_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


class SpecChecker:
    def __init__(self, spec_path):
        with open(spec_path, encoding="utf-8") as fh:
            self.schemas = json.load(fh)["components"]["schemas"]
        self.errors = []
        self.required_seen = {}

    def resolve(self, s):
        while "$ref" in s:
            s = self.schemas[s["$ref"].rsplit("/", 1)[1]]
        return s

    def check(self, value, schema, path):
        nullable = schema.get("nullable", False)
        s = self.resolve(schema)
        nullable = nullable or s.get("nullable", False)
        if "allOf" in s:
            if value is None:
                if not nullable:
                    self.errors.append("%s: null but not nullable" % path)
                return
            for sub in s["allOf"]:
                self.check(value, sub, path)
        if value is None:
            if not (nullable or (None in s.get("enum", []))):
                self.errors.append("%s: null but not nullable" % path)
            return
        t = s.get("type")
        ok = {
            "string": isinstance(value, str),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "boolean": isinstance(value, bool),
            "array": isinstance(value, list),
            "object": isinstance(value, dict),
            None: True,
        }[t]
        if not ok:
            self.errors.append("%s: expected %s, got %r" % (path, t, value))
            return
        if "enum" in s and value not in s["enum"]:
            self.errors.append("%s: %r not in enum %r" % (path, value, s["enum"]))
        fmt = (s.get("format") or "").lower()
        if isinstance(value, str) and fmt == "uuid" and not UUID_RE.match(value):
            self.errors.append("%s: not a uuid: %r" % (path, value))
        if isinstance(value, str) and fmt == "date-time" and not RFC3339_RE.match(value):
            self.errors.append("%s: not RFC3339: %r" % (path, value))
        if t == "array" and "items" in s:
            for i, v in enumerate(value):
                self.check(v, s["items"], "%s[%d]" % (path, i))
        if isinstance(value, dict):
            for r in s.get("required", []):
                if r not in value:
                    self.errors.append("%s: missing required %r" % (path, r))
            props = s.get("properties", {})
            for k, v in value.items():
                if k in props:
                    self.check(v, props[k], "%s.%s" % (path, k))

    def check_doc(self, name, doc, schema_name):
        schema = {"$ref": "#/components/schemas/" + schema_name}
        items = doc if isinstance(doc, list) else [doc]
        for i, obj in enumerate(items):
            self.check(obj, schema, "%s[%d]" % (name, i))
        self.required_seen[schema_name] = self.schemas[schema_name].get("required", [])

    def extra_keys(self, docs):
        """Keys we emit that the schema does not declare (allowed, but worth knowing)."""
        extras = {}
        for schema_name, items in docs:
            props = self.schemas[schema_name].get("properties", {})
            for obj in items if isinstance(items, list) else [items]:
                for k in obj:
                    if k not in props:
                        extras.setdefault(schema_name, set()).add(k)
        return {k: sorted(v) for k, v in extras.items()}


# --------------------------------------------------------------------------- invariants

def check_invariants(products, inventory, categories, outlets, registers, brands):
    ids = [p["id"] for p in products]
    assert len(ids) == len(set(ids)), "duplicate product id"
    skus = [p["sku"] for p in products]
    dup = {s for s in skus if skus.count(s) > 1}
    assert not dup, "duplicate SKUs: %r" % dup
    codes = [c["code"] for p in products for c in p["product_codes"]]
    assert len(codes) == len(set(codes)), "duplicate product codes"
    by_id = {p["id"]: p for p in products}
    leaf_ids = {c["id"] for c in categories if c["leaf_category"]}
    for p in products:
        if p["product_category"] is not None:
            assert p["product_category"]["id"] in leaf_ids, p["sku"]
        if p["variant_parent_id"]:
            parent = by_id[p["variant_parent_id"]]
            assert parent["has_variants"] and p["family_id"] == parent["id"], p["sku"]
            assert p["handle"] == parent["handle"] and 1 <= len(p["variant_options"]) <= 3
        if p["has_variants"]:
            kids = [q for q in products if q["variant_parent_id"] == p["id"] and not q["deleted_at"]]
            assert p["variant_count"] == len(kids), p["sku"]
        if (p["weight"] is None) != (p["weight_unit"] is None):
            raise AssertionError("weight/unit mismatch " + p["sku"])
    outlet_ids = {o["id"] for o in outlets}
    want = {(p["id"], o) for p in products if p["has_inventory"] and not p["has_variants"] for o in outlet_ids}
    got = {(i["product_id"], i["outlet_id"]) for i in inventory}
    assert want == got and len(got) == len(inventory), "inventory coverage"
    for r in registers:
        assert r["outlet_id"] in outlet_ids
    brand_ids = {b["id"] for b in brands}
    for p in products:
        assert p["brand_id"] is None or p["brand_id"] in brand_ids


# --------------------------------------------------------------------------- main

def dump(name, obj, out_dir=OUT_DIR):
    path = os.path.join(out_dir, name)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False))
        fh.write("\n")


def write_readme(c):
    text = """# Demo store: Harbor & Pine Outfitters

A made-up outdoor and apparel shop with three outlets around New York City. The local Lightspeed
simulator loads it at start-up. Every file holds objects shaped like Lightspeed Retail X-Series
**API 2026-07** responses (`components.schemas` in `openapi-2026-07.json`). Each file is a JSON
array of the objects a list endpoint returns in `data`. `retailer.json` is one object (the
`data` of `GET /retailer`), and `product_categories.json` is the `data.categories` array of
`GET /product_categories`.

Generated by `scripts/gen_demo_store.py`. It is seeded, has no wall-clock input and uses uuid5
ids, so every run writes the same bytes. Do not edit these files by hand; change the script and
run it again:

```sh
python3 scripts/gen_demo_store.py
# optional: validate against the spec (stdlib-only checker built into the script)
python3 scripts/gen_demo_store.py --check-spec /work/shared/lightspeed/openapi-2026-07.json
```

## Contents

| file | objects | notes |
|---|---:|---|
| `retailer.json` | 1 | "{retailer}", domain_prefix `{domain}`, USD, America/New_York, tax-exclusive |
| `outlets.json` | {outlets} | {outlet_names}; all `display_prices: exclusive` |
| `registers.json` | {registers} | Main Register (`MS-` invoices) at Main Street Store, Pop-up Register (`PU-…-26`) at the pop-up |
| `users.json` | {users} | 1 primary admin, 1 manager, 2 cashiers restricted to one outlet each |
| `taxes.json` | {taxes} | No Tax 0, NY Sales Tax 0.08875 (default), NJ Sales Tax 0.06625 (Warehouse default) |
| `payment_types.json` | {payment_types} | Cash, Credit Card, Store Credit, Gift Card, Web Order, Check (disabled) |
| `brands.json` | {brands} | {brands_deleted} soft-deleted (`deleted_at` set) |
| `product_categories.json` | {categories} | {roots} roots, {leaves} leaves (two levels; products use leaves only) |
| `products.json` | {products} | see below |
| `inventory.json` | {inventory} | one record per (tracked, non-parent product × outlet) |
| `customers.json` | {customers} | {customers_company} with a company; {customers_deleted} soft-deleted |

### Products

| kind | rows |
|---|---:|
| all rows (incl. deleted) | {products} |
| simple products | {simple} |
| variant families (parent rows, `has_variants: true`) | {parents} |
| variant rows (`variant_parent_id` set) | {variants} |
| families with 1 / 2 / 3 variant options | {opt1} / {opt2} / {opt3} |
| inactive (`active: false`, not deleted) | {inactive} |
| soft-deleted (`deleted_at` set) | {deleted} |
| not inventory-tracked (`has_inventory: false`) | {no_inventory} |
| with images / without images | {with_images} / {without_images} |
| with `description: null` | {desc_null} |
| with `weight: null` / with `dimensions_unit: null` | {weight_null} / {dims_null} |
| with `loyalty_amount: null` | {loyalty_null} |

* Variant family parent rows have their own SKU (e.g. `HP-TT`), `family_id` equal to their own id,
  `variant_count` = number of non-deleted variants, and **no inventory records**. As in the real
  API, stock is held on each variant row.
* Each variant row has the parent's `handle`, `name` and `family_id`. It has its own `sku`
  (`HP-TT-BLK-M`), a UPC product code, prices and inventory. `variant_name` looks like
  `Trail Tee / Black / M`. Each `variant_options[].id` is the id of the variant attribute
  (Color, Size, ...).
* SKUs and product codes are unique across all rows, deleted ones included.
* `Discount` (`sku`/`handle` `vend-discount`) is the store's built-in sale-discount product
  (`retailer.discount_product_id`). It is not tracked and has no category.
* `Shipping` (`sku` `SHIPPING`) is a service the shipping cost of a web order is sold as: not
  tracked, price 0 (each sale sets it). It is the last row of `products.json`.
* Gift cards, gift wrap and the three services are not inventory-tracked. Gift cards are
  priced tax-free (`price_including_tax == price_excluding_tax`). Other rows have
  `price_including_tax = price_excluding_tax × 1.08875` (the default NY rate).
* Deleted rows: a whole family (`Canyon Convertible Pant`, parent + 4 variants), two discontinued
  variants in live families, and three simple products, one of them from the deleted brand
  `Bramble Gear`. Their inventory records are kept with `deleted_at` set.

### Inventory

{inventory} records: {inv_zero} at 0, {inv_negative} negative (oversold), {inv_large} at 200 or more
(consumables at the Warehouse). `reorder_method` is FIXED on {inv_fixed}, MIN_MAX on {inv_minmax} and
null on {inv_null} (all reorder fields null). {inv_deleted} records belong to deleted products.
`version` numbers only increase and are not contiguous; the simulator renumbers them.
""".format(**c)
    with open(os.path.join(OUT_DIR, "README.md"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def write_inclusive(retailer, outlets):
    """demo-inclusive: the same store set up tax-inclusive. Only the files that differ."""
    os.makedirs(INCLUSIVE_DIR, exist_ok=True)
    r = dict(retailer, tax_exclusive=False)
    dump("retailer.json", r, INCLUSIVE_DIR)
    dump("outlets.json", [dict(o, display_prices="inclusive") for o in outlets], INCLUSIVE_DIR)
    text = """# Demo store, tax-inclusive: Harbor & Pine Outfitters

The demo store (`fixtures/stores/demo`) set up as a tax-inclusive store: `retailer.json` has
`tax_exclusive: false` and every outlet in `outlets.json` has `display_prices: inclusive`.
Nothing else differs: same ids, catalog, SKUs, prices, stock, taxes, payment types, registers,
users and customers. The other files are the demo store's; the simulator serves this store
with `--store demo-inclusive` (`StoreSpec::DemoInclusive`), compiled in like the demo.

Generated by `scripts/gen_demo_store.py` together with the demo store; do not edit by hand.
"""
    with open(os.path.join(INCLUSIVE_DIR, "README.md"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check-spec", metavar="OPENAPI_JSON",
                    help="validate the generated files against components.schemas of this spec")
    args = ap.parse_args()

    taxes = build_taxes()
    payment_types = build_payment_types()
    outlets = build_outlets()
    registers = build_registers()
    users = build_users()
    brands, brand_by_key = build_brands()
    tags = build_tags()
    categories, leaves = build_categories()

    cat = Catalog(brand_by_key, tags, leaves)
    discount_id = cat.add_discount_product()
    for f in FAMILIES:
        cat.add_family(f)
    for s in SIMPLE:
        cat.add_simple(*s)
    products = cat.rows
    for p in products:
        p["_meta"] = cat.meta[p["id"]]
    inventory = build_inventory(products, outlets)
    kinds = {p["id"]: p.pop("_kind") for p in products}
    for p in products:
        p.pop("_meta")
    customers = build_customers()
    retailer = build_retailer(discount_id, uid("tax", "no-tax"))
    # Last, and without random draws: every row above stays byte for byte as it was.
    shipping_id = cat.add_shipping_product()
    kinds[shipping_id] = "simple"

    check_invariants(products, inventory, categories, outlets, registers, brands)

    os.makedirs(OUT_DIR, exist_ok=True)
    files = [
        ("retailer.json", retailer, "Retailer"),
        ("outlets.json", outlets, "Outlet"),
        ("registers.json", registers, "Register"),
        ("users.json", users, "User"),
        ("taxes.json", taxes, "Tax"),
        ("payment_types.json", payment_types, "PaymentType"),
        ("brands.json", brands, "Brand"),
        ("product_categories.json", categories, "ProductCategory"),
        ("products.json", products, "Product"),
        ("inventory.json", inventory, "Inventory"),
        ("customers.json", customers, "Customer"),
    ]
    for name, obj, _ in files:
        dump(name, obj)

    parents = [p for p in products if kinds[p["id"]] == "parent"]
    variants = [p for p in products if kinds[p["id"]] == "variant"]
    simple = [p for p in products if kinds[p["id"]] == "simple"]
    nopt = [len([v for v in variants if v["variant_parent_id"] == p["id"]][0]["variant_options"]) for p in parents]
    c = dict(
        retailer=RETAILER_NAME, domain=DOMAIN_PREFIX,
        outlets=len(outlets), outlet_names=", ".join(o["name"] for o in outlets),
        registers=len(registers), users=len(users), taxes=len(taxes), payment_types=len(payment_types),
        brands=len(brands), brands_deleted=sum(1 for b in brands if b["deleted_at"]),
        categories=len(categories), roots=sum(1 for x in categories if not x["leaf_category"]),
        leaves=sum(1 for x in categories if x["leaf_category"]),
        products=len(products), simple=len(simple), parents=len(parents), variants=len(variants),
        opt1=nopt.count(1), opt2=nopt.count(2), opt3=nopt.count(3),
        inactive=sum(1 for p in products if not p["active"] and not p["deleted_at"]),
        deleted=sum(1 for p in products if p["deleted_at"]),
        no_inventory=sum(1 for p in products if not p["has_inventory"]),
        with_images=sum(1 for p in products if p["images"]),
        without_images=sum(1 for p in products if not p["images"]),
        desc_null=sum(1 for p in products if p["description"] is None),
        weight_null=sum(1 for p in products if p["weight"] is None),
        dims_null=sum(1 for p in products if p["dimensions_unit"] is None),
        loyalty_null=sum(1 for p in products if p["loyalty_amount"] is None),
        inventory=len(inventory),
        inv_zero=sum(1 for i in inventory if i["current_inventory_level"] == 0),
        inv_negative=sum(1 for i in inventory if i["current_inventory_level"] < 0),
        inv_large=sum(1 for i in inventory if i["current_inventory_level"] >= 200),
        inv_fixed=sum(1 for i in inventory if i["reorder_method"] == "FIXED"),
        inv_minmax=sum(1 for i in inventory if i["reorder_method"] == "MIN_MAX"),
        inv_null=sum(1 for i in inventory if i["reorder_method"] is None),
        inv_deleted=sum(1 for i in inventory if i["deleted_at"]),
        customers=len(customers), customers_company=sum(1 for x in customers if x["company_name"]),
        customers_deleted=sum(1 for x in customers if x["deleted_at"]),
    )
    write_readme(c)
    write_inclusive(retailer, outlets)

    print("wrote %s" % os.path.relpath(OUT_DIR, REPO_ROOT))
    for k in ["products", "parents", "variants", "simple", "inactive", "deleted", "no_inventory",
              "inventory", "inv_zero", "inv_negative", "inv_large", "outlets", "registers", "users",
              "taxes", "payment_types", "brands", "categories", "customers"]:
        print("  %-14s %d" % (k, c[k]))

    if args.check_spec:
        chk = SpecChecker(args.check_spec)
        for name, obj, schema in files:
            chk.check_doc(name, obj, schema)
        # nested schemas we emit, checked through their parents: Tag, ImageSample, ProductCode,
        # ProductSupplier, BrandSample, SupplierSample, ProductTypeSample, TaxRate, Attribute
        if chk.errors:
            for e in chk.errors[:50]:
                print("SCHEMA: " + e, file=sys.stderr)
            print("%d schema errors" % len(chk.errors), file=sys.stderr)
            sys.exit(1)
        print("schema check: OK against %s" % args.check_spec)
        for schema, req in sorted(chk.required_seen.items()):
            print("  %-16s required: %s" % (schema, ", ".join(req) if req else "(none)"))
        for schema, keys in sorted(chk.extra_keys([(s, o) for _, o, s in files]).items()):
            print("  %-16s keys not in schema: %s" % (schema, ", ".join(keys)))


if __name__ == "__main__":
    main()
