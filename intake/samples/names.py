"""People, titles and municipalities as they appear in sample mail.

The name lists are invented for this factory: common Norwegian first names and
surnames, combined at random, so no sample is about a real office holder.
"""
from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from typing import Any

FIRST_NAMES = (
    "Anne", "Astrid", "Berit", "Camilla", "Eli", "Gunn", "Hanne", "Helga", "Ingeborg",
    "Janne", "Kirsten", "Linn", "Marit", "Nina", "Oddny", "Ragnhild", "Sigrid", "Siv",
    "Solfrid", "Torill", "Turid", "Vigdis", "Åse", "Brit", "Karin", "Synnøve", "Marte",
    "Arild", "Bjarne", "Eirik", "Espen", "Gunnar", "Halvard", "Jostein", "Kåre", "Magne",
    "Morten", "Nils", "Ole", "Rolf", "Sindre", "Sverre", "Terje", "Tormod", "Trond",
    "Øystein", "Åsmund", "Jørgen", "Håkon", "Ketil", "Steinar", "Rune", "Geir", "Asle",
)
# Second given names; printed in full or as an initial ("Kari M. Lien").
MIDDLE_NAMES = ("Marie", "Elisabeth", "Johanne", "Kristian", "Andreas", "Olav", "Helene", "Tore")
SURNAMES = (
    "Aasen", "Bakke", "Berge", "Bjørnstad", "Dalen", "Eide", "Engen", "Fossum", "Gjerde",
    "Grønli", "Haugland", "Hovland", "Istad", "Kvalheim", "Lie", "Lunde", "Myklebust",
    "Nygård", "Næss", "Opheim", "Rustad", "Sandvik", "Skogen", "Solheim", "Stene",
    "Strøm", "Sæther", "Tveit", "Ulvestad", "Vatne", "Vik", "Øvrebø", "Aune", "Bråten",
    "Hoel", "Kleven", "Moe", "Rønning", "Lyngstad", "Torvik",
)
# Names that belong to northern Sami families; used now and then for Sami municipalities.
SAMI_SURNAMES = ("Buljo", "Gaup", "Sara", "Hætta", "Somby", "Turi", "Magga")

# Canonical lower-case Bokmål titles (the vocabulary of the export) and how each form
# prints them. Only the titles that differ between the forms need a Nynorsk entry.
SIGNING_TITLES = ("ordfører", "varaordfører", "kommunedirektør", "rådmann")
STAFF_TITLES = (
    "rådgiver", "seniorrådgiver", "konsulent", "spesialrådgiver", "arkivleder",
    "saksbehandler", "kommunalsjef", "førstekonsulent",
)
_NYNORSK_TITLES = {
    "ordfører": "ordførar",
    "varaordfører": "varaordførar",
    "rådgiver": "rådgjevar",
    "seniorrådgiver": "seniorrådgjevar",
    "spesialrådgiver": "spesialrådgjevar",
    "arkivleder": "arkivleiar",
    "saksbehandler": "sakshandsamar",
}


def display_title(title: str, language: str) -> str:
    """The title as printed in a document written in ``language`` (lower case)."""
    if language == "nynorsk":
        return _NYNORSK_TITLES.get(title, title)
    return title


@dataclass(frozen=True)
class Signer:
    name: str
    title: str  # canonical lower-case Bokmål title, e.g. "ordfører"


def person_name(rng: random.Random, *, sami: bool = False) -> str:
    """A plausible full name; a fifth get a middle name or initial, some a double surname."""
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(SAMI_SURNAMES if sami and rng.random() < 0.6 else SURNAMES)
    roll = rng.random()
    if roll < 0.1:
        return f"{first} {rng.choice(MIDDLE_NAMES)} {last}"
    if roll < 0.2:
        return f"{first} {rng.choice(MIDDLE_NAMES)[0]}. {last}"
    if roll < 0.3:
        return f"{first} {rng.choice(SURNAMES)} {last}"
    return f"{first} {last}"


def ascii_fold(text: str) -> str:
    """Mail local parts and domains: æ→ae, ø→o, å→a, other accents dropped."""
    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii())


def email_local(name: str, rng: random.Random) -> str:
    """Local part in one of the styles municipal mail systems hand out."""
    parts = [ascii_fold(p).strip(".") for p in name.split() if p.strip(".")]
    first, last = parts[0], parts[-1]
    style = rng.randrange(4)
    if style == 0:
        return f"{first}.{last}"
    if style == 1:
        return f"{first[:3]}{last[:3]}"          # initials style: "kardal"
    if style == 2:
        return ".".join(parts)
    return f"{first}{last}"


# --------------------------------------------------------------------- municipalities

@dataclass(frozen=True)
class Municipality:
    """What the factory needs to know about a municipality (see ``as_municipality``)."""

    number: str
    name: str            # legal name as given by the caller, e.g. "Kvam herad", "Våler (Viken)"
    county: str
    invited: bool
    language_form: str   # "bokmål", "nynorsk" or "nøytral"
    domain: str

    @property
    def printed_name(self) -> str:
        """The name as a municipality writes it: "Kvam herad", "Vestby kommune"."""
        base = self.name.split(" (")[0].strip()   # drop the registry's "(County)" hint
        lower = base.lower()
        if lower.endswith((" kommune", " herad", " suohkan", " gielda", " kommuuni")):
            return base
        return f"{base} kommune"

    @property
    def short_name(self) -> str:
        """The bare name without "kommune"/"herad", used as the place in "Sted og dato"."""
        printed = self.printed_name
        return printed.rsplit(" ", 1)[0]

    @property
    def place(self) -> str:
        # Parallel names ("Guovdageaidnu - Kautokeino"): the Norwegian one is usually last
        # when there are two, first when there are three (Porsanger - Porsáŋgu - Porsanki).
        parts = [p.strip() for p in self.short_name.split(" - ")]
        return parts[-1] if len(parts) == 2 else parts[0]

    @property
    def is_herad(self) -> bool:
        return self.printed_name.lower().endswith(" herad")

    @property
    def has_parallel_name(self) -> bool:
        return " - " in self.name


def _field(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def as_municipality(obj: Any) -> Municipality:
    """Accept a dict or any object with number, name, county, invited, language_form, domain."""
    if isinstance(obj, Municipality):
        return obj
    number = str(_field(obj, "number")).zfill(4)
    domain = _field(obj, "domain")
    if not domain:
        raise ValueError(f"municipality {number}: a mail domain is required")
    invited = _field(obj, "invited", True)
    if isinstance(invited, str):
        invited = invited.strip().lower() in ("true", "1", "yes", "ja")
    return Municipality(
        number=number,
        name=str(_field(obj, "official_name") or _field(obj, "name")),
        county=str(_field(obj, "county", "") or ""),
        invited=bool(invited),
        language_form=str(_field(obj, "language_form", "bokmål") or "bokmål"),
        domain=str(domain).lower(),
    )


def writing_language(m: Municipality, rng: random.Random) -> str:
    """Nynorsk municipalities write Nynorsk; language-neutral ones mostly Bokmål."""
    if m.language_form == "nynorsk":
        return "nynorsk"
    if m.language_form == "bokmål":
        return "bokmål"
    return "nynorsk" if rng.random() < 0.25 else "bokmål"
