"""Copy the PLO 1.6 schemas (and everything they import) from a checkout of
oslokommune/sarepta-standarder into plo/standards/schemas/, exactly as published except for
their schemaLocations, which are rewritten to the local file names; and record in
manifest.json, for each file, where it came from, its published SHA-256 and each location
rewritten, so that tests/plo/test_standards.py can prove the copies unchanged.

    python plo/standards/vendor.py /path/to/sarepta-standarder

Run it again only to take a new published version; the manifest says which commit this is."""

import hashlib
import json
import re
import sys
from pathlib import Path, PurePosixPath

if __package__ in (None, ""):  # run as a script: the project on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from plo.standards import archive  # noqa: E402

HERE = Path(__file__).resolve().parent
TARGET = HERE / "schemas"
# The roots: the envelope, the receipt, the dialogue message (1.1, and 1.0, which many
# municipal EPJ systems still send) and the PLO 1.6 messages.
ROOTS = [
    "skjema/felleskomponenter/MsgHead-v1_2.xsd",
    "skjema/applikasjonskvittering/AppRec-v1.1.xsd",
    "skjema/dialogmelding/2013-01-23/dialogmelding-v1.1.xsd",
    "skjema/dialogmelding/2006-10-11/dialogmelding.xsd",
    *(f"skjema/plo/v1.6/{name}-v1.6.xsd" for name in (
        "Pasientlogistikk", "Helseopplysninger", "HelseopplysningerTilLege",
        "Innleggelsesrapport", "MedisinskeOpplysninger", "OrienteringOmTjenestetilbud",
        "TverrfagligEpikrise")),
]
# Where a published schema names a location on the web, the file in the archive that is it.
WEB = {
    "http://www.w3.org/TR/xmldsig-core/xmldsig-core-schema.xsd":
        "skjema/w3c/xmldsig-core-schema.xsd",
    "http://www.kith.no/xmlstds/kith.xsd": "skjema/felleskomponenter/kith.xsd",
}
LOCATION = re.compile(rb'(<(?:\w+:)?(?:import|include)\b[^>]*?\bschemaLocation=")([^"]+)(")',
                      re.S)


def _resolve(repo: Path, source: str, location: str) -> str:
    """The archive's file a schemaLocation names. Some published schemas name a sibling
    that the archive keeps among the common components (poKomponent's EPJ-*.xsd)."""
    if location in WEB:
        return WEB[location]
    if "://" in location:
        raise SystemExit(f"{source} imports {location}: add it to WEB")
    parts = []
    for part in (PurePosixPath(source).parent / location).parts:
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    found = "/".join(parts)
    if not archive.exists(repo, found):
        found = f"skjema/felleskomponenter/{PurePosixPath(location).name}"
        if not archive.exists(repo, found):
            raise SystemExit(f"{source} imports {location}, which the archive lacks")
    return found


def vendor(repo: Path) -> dict:
    manifest = {"repository": archive.REPOSITORY, "commit": archive.commit(repo), "files": {}}
    queue, seen = list(ROOTS), set()
    TARGET.mkdir(exist_ok=True)
    while queue:
        source = queue.pop(0)
        if source in seen:
            continue
        seen.add(source)
        original = archive.published(repo, source)
        name = PurePosixPath(source).name
        rewritten = {}

        def local(match, source=source, rewritten=rewritten):
            location = match.group(2).decode()
            found = _resolve(repo, source, location)
            queue.append(found)
            rewritten[PurePosixPath(found).name] = location
            return match.group(1) + PurePosixPath(found).name.encode() + match.group(3)

        text = LOCATION.sub(local, original)
        (TARGET / name).write_bytes(text)
        manifest["files"][name] = {"source": source,
                                   "sha256": hashlib.sha256(original).hexdigest(),
                                   "locations": rewritten}
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")
    return manifest


if __name__ == "__main__":
    done = vendor(Path(sys.argv[1]))
    print(f"{len(done['files'])} schemas from {done['commit']}")
