"""What each sample document says: small frozen specs, one per document type.

A spec holds only facts and presentation choices; the renderers turn it into bytes.
Titles are canonical Bokmål (``ordfører``); each renderer prints them in the spec's
language (``names.display_title``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .names import Signer

LAYOUTS = ("plain", "grid", "side_by_side")
LANGUAGES = ("bokmål", "nynorsk")
COUNCILS = ("formannskap", "kommunestyre", "bystyre", "heradsstyre")
MINUTES_OUTCOMES = ("positive", "negative", "postpone", "conditional")


@dataclass(frozen=True)
class DeclarationSpec:
    """The declaration form. No signers means the unsigned variant: blank name lines."""

    municipality: str                 # printed name, e.g. "Kvam herad"
    place: str                        # the place in "Sted og dato"
    signed_on: dt.date | None         # None leaves the date blank
    signers: tuple[Signer, ...] = ()
    language: str = "bokmål"
    layout: str = "plain"
    all_caps: bool = False            # names printed in capitals
    wording: int = 0                  # which of the body texts (wording.DECLARATION_BODIES)
    date_style: str = "dotted"
    serif: bool = False
    attachment_note: bool = False     # "Vedlegg til brev ..." line at the top
    seed: int = 0                     # signature scribbles and small layout jitter

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, not {self.layout!r}")
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {self.language!r}")


@dataclass(frozen=True)
class MinutesSpec:
    """A saksprotokoll: one council's treatment of the Akson case."""

    municipality: str
    council: str                      # one of COUNCILS
    meeting_date: dt.date
    case_number: str                  # "045/20"
    archive_ref: str                  # "20/1377"
    outcome: str = "positive"         # one of MINUTES_OUTCOMES
    language: str = "bokmål"
    votes_for: int | None = None      # None: unanimous
    votes_against: int = 0
    proposer: str = "kommunedirektør"  # whose innstilling: kommunedirektør or rådmann
    secretary: str = ""               # name under "Rett utskrift"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.council not in COUNCILS:
            raise ValueError(f"council must be one of {COUNCILS}, not {self.council!r}")
        if self.outcome not in MINUTES_OUTCOMES:
            raise ValueError(f"outcome must be one of {MINUTES_OUTCOMES}, not {self.outcome!r}")


@dataclass(frozen=True)
class LetterSpec:
    """A letter on the municipality's letterhead: cover letter (følgebrev) or decline."""

    municipality: str
    domain: str                       # for the postmottak address in the letterhead
    date: dt.date
    sender: Signer                    # who signs the letter (a rådgiver for a cover letter)
    our_ref: str                      # "20/1377-4"
    your_ref: str | None = "20/1711"
    language: str = "bokmål"
    department: str = "Kommunedirektøren"
    street: str = "Rådhusgata 1"
    postcode: str = "0001"
    post_place: str = ""
    phone: str = "12 34 56 78"
    council: str = "kommunestyre"     # a decline says which body decided
    meeting_date: dt.date | None = None
    case_number: str | None = None
    signatory_title: str = "ordfører"  # who signed the enclosed declaration (cover letter)
    seed: int = 0
