import pytest

from parsers.municipalities import Resolution, conventional_domains, is_label_mention, resolve
from parsers.types import Mention


def strong(index, text):
    return [(tuple(sorted(m.numbers)), m.alias_kind, m.county_hint)
            for m in index.find(text, "document") if m.strength == "strong"]


def numbers_of(index, text, strength="strong"):
    return [tuple(sorted(m.numbers)) for m in index.find(text, "document") if m.strength == strength]


@pytest.mark.parametrize("text, expected", [
    pytest.param("Nordre Land kommune stiller seg bak", [(("3448",), "name", None)], id="name-kommune"),
    pytest.param("NORDRE LAND KOMMUNE", [(("3448",), "name", None)], id="all-caps"),
    pytest.param("Nordre-Land kommune", [(("3448",), "name", None)], id="hyphen-variant"),
    pytest.param("Sør- Fron kommune", [(("3438",), "name", None)], id="broken-hyphen"),
    pytest.param("Kommune: Nordre Land", [(("3448",), "name", None)], id="label-colon"),
    pytest.param("Kommune Dovre", [(("3431",), "name", None)], id="label-no-colon"),
    pytest.param("Kommunenavn: Gjesdal", [(("1122",), "name", None)], id="label-kommunenavn"),
    pytest.param("Kommune\n\nMidt-Telemark kommune",
                 [(("3817",), "name", None), (("3817",), "name", None)], id="label-value-below"),
    pytest.param("Kommune: Nordre Land Sted og dato: Nordre Land, 6. mai 2020",
                 [(("3448",), "name", None)], id="label-then-next-label"),
    pytest.param("Vedlagt ligg erklæringa frå Tysnes kommune.", [(("4616",), "name", None)], id="fra"),
    pytest.param("Voss herad stiller seg bak", [(("4621",), "herad", None)], id="herad"),
    pytest.param("Vedtak i Heradsstyret: Kvam heradsstyre", [(("4622",), "name", None)], id="heradsstyre"),
    pytest.param("Bergen bystyre har vedtatt", [(("4601",), "name", None)], id="bystyre"),
    pytest.param("Gol formannskap", [(("3041",), "name", None)], id="formannskap"),
    pytest.param("Nes kommunes vedtak", [(("3034",), "name", None)], id="genitive"),
    pytest.param("Loabák - Lavangen kommune", [(("5415",), "name", None)], id="sami-parallel-full"),
    pytest.param("Kommune Loabák - Lavangen", [(("5415",), "name", None)], id="sami-parallel-label"),
    pytest.param("Kommune: Deanu gielda / Tana kommune",
                 [(("5441",), "parallel", None), (("5441",), "parallel", None)], id="sami-slash-kommune"),
    pytest.param("Guovdageainnu suohkan", [(("5430",), "parallel", None)], id="sami-genitive-suohkan"),
    pytest.param("Kárášjoga gielda", [(("5437",), "parallel", None)], id="sami-genitive-gielda"),
    pytest.param("Porsáŋggu gielda", [(("5436",), "parallel", None)], id="sami-eng-genitive"),
    pytest.param("Kautokeino kommune", [(("5430",), "parallel", None)], id="parallel-part"),
    pytest.param("Porsangin komuuni", [(("5436",), "parallel", None)], id="kven-genitive"),
    pytest.param("Unjárgga gielda", [(("5442",), "parallel", None)], id="sami-genitive-unjarga"),
    pytest.param("Loabága suohkan", [(("5415",), "parallel", None)], id="sami-genitive-two-slips-from-nominative"),
    pytest.param("Snåasen tjïelte", [(("5041",), "parallel", None)], id="south-sami-genitive"),
    pytest.param("Ølen kommune", [(("1160",), "former", None)], id="former-2006"),
    pytest.param("Hamarøy - Hábmer kommune", [(("1875",), "parallel", None)], id="parallel-reversed"),
    pytest.param("Aurlamd kommune", [(("4641",), "fuzzy", None)], id="ocr-one-slip"),
    pytest.param("Nore og Uvdl kommune", [(("3052",), "fuzzy", None)], id="ocr-multiword"),
    pytest.param("Finnøy kommune", [(("1103",), "former", None)], id="former-name"),
    pytest.param("Nes kommune", [(("3034",), "name", None)], id="nes-current-holder"),
    pytest.param("Sande kommune", [(("1514",), "name", None)], id="sande-current-holder"),
    pytest.param("Bø kommune", [(("1867",), "name", None)], id="bo-current-holder"),
    pytest.param("Os kommune", [(("3430",), "name", None)], id="os-current-holder"),
    pytest.param("Snillfjord kommune", [(("5055", "5056", "5059"), "former", None)], id="split-snillfjord"),
    pytest.param("Tysfjord kommune", [(("1806", "1875"), "former", None)], id="split-tysfjord"),
    pytest.param("Herøy kommune", [(("1515", "1818"), "name", None)], id="homonym-no-hint"),
    pytest.param("Kommune: Våler", [(("3018", "3419"), "name", None)], id="homonym-label-no-hint"),
    pytest.param("| Kommune: Vang kommune", [(("3454",), "name", None)], id="ocr-noise-before-label"),
    pytest.param("Herøy kommune i Nordland", [(("1818",), "name", "Nordland")], id="homonym-county-after"),
    pytest.param("Herøy kommune, Møre og Romsdal", [(("1515",), "name", "Møre og Romsdal")], id="homonym-county-comma"),
    pytest.param("Herøy (Møre og Romsdal)", [(("1515",), "name", "Møre og Romsdal")], id="homonym-ssb-qualifier"),
    pytest.param("Våler i Innlandet", [(("3419",), "name", "Innlandet")], id="homonym-bare-with-county"),
    pytest.param("Våler kommune (Hedmark)", [(("3419",), "name", "Innlandet")], id="homonym-former-county"),
    pytest.param("Våler (Østfold)", [(("3018",), "short", None)], id="short-alias-with-qualifier"),
    pytest.param("Herøy i Nordland", [(("1818",), "short", None)], id="short-alias-i-county"),
    pytest.param("Bø kommune i Telemark", [(("3817",), "former", "Vestfold og Telemark")],
                 id="former-holder-by-county"),
    pytest.param("Bø i Telemark", [(("3817",), "former", "Vestfold og Telemark")], id="bare-short-with-county"),
    pytest.param("Bø kommune, Nordland", [(("1867",), "name", "Nordland")], id="current-holder-by-county"),
    pytest.param("Sande kommune (Vestfold)", [(("3802",), "former", "Vestfold og Telemark")],
                 id="sande-former-county"),
    pytest.param("Os kommune i Hordaland", [(("4624",), "former", "Vestland")], id="os-former-county"),
    pytest.param("Nes kommune i Buskerud", [(("3034", "3040"), "name", "Viken")],
                 id="nes-county-cannot-split-viken"),
    pytest.param("Herøy kommune i Troms", [(("1515", "1818"), "name", "Troms og Finnmark")],
                 id="homonym-wrong-county-stays-ambiguous"),
])
def test_find_strong(index, text, expected):
    assert strong(index, text) == expected


@pytest.mark.parametrize("text", [
    pytest.param("Helse- og omsorgsdepartementet", id="ministry"),
    pytest.param("Akson – helhetlig samhandling og felles kommunal journal", id="felles-kommunal"),
    pytest.param("tas av kommunens folkevalgte organer", id="kommunens"),
    pytest.param("Kommunedirektøren\nKommunedirektørens forslag til vedtak:", id="kommunedirektor"),
    pytest.param("Behandling i Kommunestyret 13.06.2020", id="kommunestyret-bare"),
    pytest.param("Kommunen ønsker å delta", id="kommunen"),
    pytest.param("Denne kommune og hver kommune", id="determiners"),
    pytest.param("Anne Strand Andersen\nOrdfører", id="surname-strand"),
    pytest.param("Randi Berg\nKommune: ___", id="surname-above-empty-label"),
    pytest.param("Heroy kommune", id="homonym-near-both-is-exact-both"),
    pytest.param("kommune Nes har vedtatt", id="lower-label-prose"),
    pytest.param("Kommune Nes har vedtatt å signere", id="label-followed-by-prose"),
    pytest.param("Vålerr kommune", id="fuzzy-near-two-homonyms"),
    pytest.param("Lonn kommune", id="short-names-never-fuzzy"),
])
def test_no_false_strong_mentions(index, text):
    found = strong(index, text)
    if text == "Heroy kommune":   # exact, but still both Herøys: never one of them
        assert found == [(("1515", "1818"), "name", None)]
    else:
        assert found == []


@pytest.mark.parametrize("text, expected", [
    pytest.param("Anne Strand Andersen", [("1130",)], id="surname-is-weak"),
    pytest.param("Intensjonserklæring fra Herøy", [("1515", "1818")], id="bare-homonym"),
    pytest.param("Stad og dato: Bø, 07.05.2020", [("4649",)], id="two-letter-names-skipped"),
    pytest.param("RE: Invitasjon", [], id="re-is-not-re"),
    pytest.param("lund og strand", [], id="lowercase-words-are-not-names"),
])
def test_find_weak(index, text, expected):
    assert numbers_of(index, text, "weak") == expected


def test_find_records_source_and_original_spelling(index):
    (m,) = index.find("Signert av  AURLAND  kommune.", "subject")
    assert (m.matched, m.source, m.strength) == ("AURLAND  kommune", "subject", "strong")


def test_filename_underscores(index):
    assert numbers_of(index, "Intensjonserklæring_-_Vågan_kommune.pdf") == [("1865",)]


def test_label_mention_is_recognisable(index):
    label, plain = index.find("Kommune: Gol kommune\nGol kommune", "document")
    assert is_label_mention(label) and not is_label_mention(plain)


def mention(numbers, strength="strong", matched="X kommune", county=None):
    return Mention(numbers=frozenset(numbers), matched=matched, source="document",
                   strength=strength, county_hint=county)


@pytest.mark.parametrize("mentions, sender, expected", [
    pytest.param([], frozenset(), Resolution(None, "unknown_municipality"), id="nothing"),
    pytest.param([mention({"3448"}, "weak")], frozenset({"3448"}),
                 Resolution(None, "unknown_municipality"), id="weak-only"),
    pytest.param([mention({"3448"}), mention({"3448"})], frozenset(),
                 Resolution("3448", None, frozenset({"3448"})), id="agree"),
    pytest.param([mention({"1515", "1818"})], frozenset(),
                 Resolution(None, "ambiguous_municipality", frozenset({"1515", "1818"})),
                 id="heroy-without-hint"),
    pytest.param([mention({"1515", "1818"})], frozenset({"1818"}),
                 Resolution("1818", None, frozenset({"1818"})), id="heroy-by-sender"),
    pytest.param([mention({"1818"}, county="Nordland")], frozenset(),
                 Resolution("1818", None, frozenset({"1818"})), id="heroy-by-county"),
    pytest.param([mention({"1515", "1818"}), mention({"1818"}, county="Nordland")], frozenset(),
                 Resolution("1818", None, frozenset({"1515", "1818"})), id="homonym-explained"),
    pytest.param([mention({"5055", "5056", "5059"})], frozenset({"5055", "5056"}),
                 Resolution(None, "ambiguous_municipality", frozenset({"5055", "5056", "5059"})),
                 id="split-sender-two"),
    pytest.param([mention({"3041"}), mention({"3042"})], frozenset(),
                 Resolution(None, "ambiguous_municipality", frozenset({"3041", "3042"})),
                 id="two-places"),
    pytest.param([mention({"3041"}, matched="Kommune: Gol"), mention({"3042"})], frozenset({"3041"}),
                 Resolution("3041", None, frozenset({"3041", "3042"})), id="sender-and-label"),
    pytest.param([mention({"3041"}), mention({"3042"}, matched="Kommune: Hemsedal")], frozenset({"3041"}),
                 Resolution(None, "ambiguous_municipality", frozenset({"3041", "3042"})),
                 id="sender-against-label"),
    pytest.param([mention({"3041"}), mention({"3041"}), mention({"3042"})], frozenset({"3041"}),
                 Resolution("3041", None, frozenset({"3041", "3042"})), id="sender-and-most-frequent"),
    pytest.param([mention({"3041"}), mention({"3042"})], frozenset({"3041"}),
                 Resolution(None, "ambiguous_municipality", frozenset({"3041", "3042"})),
                 id="sender-but-tie"),
    pytest.param([mention({"3041"}), mention({"3042"}), mention({"3042"})], frozenset({"3041"}),
                 Resolution(None, "ambiguous_municipality", frozenset({"3041", "3042"})),
                 id="sender-less-frequent"),
    pytest.param([mention({"3041"}), mention({"3042"})], frozenset({"3041", "3042"}),
                 Resolution(None, "ambiguous_municipality", frozenset({"3041", "3042"})),
                 id="sender-both"),
])
def test_resolve(mentions, sender, expected):
    assert resolve(mentions, sender_numbers=sender) == expected


@pytest.mark.parametrize("text, sender, number, reason", [
    pytest.param("Kommune: Herøy kommune", frozenset(), None, "ambiguous_municipality", id="heroy-private"),
    pytest.param("Kommune: Herøy kommune", frozenset({"1818"}), "1818", None, id="heroy-own-domain"),
    pytest.param("Nes kommune stiller seg bak", frozenset(), "3034", None, id="nes"),
    pytest.param("Anne Strand Andersen", frozenset({"1130"}), None, "unknown_municipality", id="surname"),
])
def test_find_then_resolve(index, text, sender, number, reason):
    result = resolve(index.find(text, "document"), sender_numbers=sender)
    assert (result.number, result.reason) == (number, reason)


@pytest.mark.parametrize("domain, numbers", [
    pytest.param("nordre-land.kommune.no", frozenset({"3448"}), id="space-to-hyphen"),
    pytest.param("asnes.kommune.no", frozenset({"3418"}), id="aring"),
    pytest.param("tysvaer.kommune.no", frozenset({"1146"}), id="ae"),
    pytest.param("nes.kommune.no", frozenset({"3034"}), id="nes-current"),
    pytest.param("tana.kommune.no", frozenset({"5441"}), id="parallel-part"),
    pytest.param("deatnu.kommune.no", frozenset({"5441"}), id="parallel-other-part"),
    pytest.param("karasjok.kommune.no", frozenset({"5437"}), id="parallel-alias"),
    pytest.param("porsangu.kommune.no", frozenset({"5436"}), id="eng-stripped"),
    pytest.param("aurskog-holand.kommune.no", frozenset({"3026"}), id="hyphenated"),
])
def test_conventional_domains(registry, domain, numbers):
    assert conventional_domains(registry)[domain] == numbers


@pytest.mark.parametrize("domain", [
    pytest.param("heroy.kommune.no", id="homonym-heroy"),
    pytest.param("valer.kommune.no", id="homonym-valer"),
    pytest.param("finnoy.kommune.no", id="former"),
    pytest.param("snillfjord.kommune.no", id="split-former"),
    pytest.param("kvam-herad.kommune.no", id="herad-alias"),
])
def test_conventional_domains_never_for(registry, domain):
    assert domain not in conventional_domains(registry)


def test_conventional_domains_are_unique_per_domain(registry):
    assert all(len(n) == 1 for n in conventional_domains(registry).values())


@pytest.mark.parametrize("text, number", [
    pytest.param("Tysnos kommune", "4616", id="one-slip-short"),
    pytest.param("Kvinnhcrad kommune", "4617", id="one-slip-long"),
    pytest.param("KVINNHCRAD KOMMUNE", "4617", id="one-slip-caps"),
    pytest.param("Kommune: Tysnos", "4616", id="one-slip-label"),
    pytest.param("Bjørnafjordcn kommune", "4624", id="one-slip-compound"),
    pytest.param("Boclø kommune", None, id="short-with-a-rival-one-more-slip-away"),
    pytest.param("RNodalen kommune", None, id="two-places-equally-near"),
    pytest.param("5tor-Elvdal kommune", None, id="garbled-start-not-a-shorter-name"),
    pytest.param("Vossx kommune", None, id="short-name-never-forgiven"),
])
def test_near_spellings_only_when_unique_with_a_margin(index, text, number):
    found = [m for m in index.find(text, "document") if m.strength == "strong"]
    if number is None:
        assert found == []
    else:
        assert [(sorted(m.numbers), m.alias_kind) for m in found] == [([number], "fuzzy")]
