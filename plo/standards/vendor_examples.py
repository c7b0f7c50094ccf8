"""Copy the 22 official PLO 1.6 example messages (eksempel/plo/1_6/ of
oslokommune/sarepta-standarder) into plo/standards/examples/, with one change: each
fødselsnummer is replaced by a synthetic one of the same birth date (80 added to the month,
as Norway's test population has them), because real-format numbers must never appear in
this project (shared/DOMAIN.md), even the examples' fictional ones. Everything else is as
published: examples.json records each file's source and the SHA-256 of the published text
with every identity number masked (MASK), so that tests/plo/test_standards.py can prove it
without the project holding the published numbers.

    python plo/standards/vendor_examples.py /path/to/sarepta-standarder
"""

import datetime
import hashlib
import json
import re
import sys
from pathlib import Path, PurePosixPath

if __package__ in (None, ""):  # run as a script: the project on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from plo.standards import archive  # noqa: E402

HERE = Path(__file__).resolve().parent
TARGET = HERE / "examples"
SOURCE = "eksempel/plo/1_6/"
NUMBER = re.compile(rb"<Id>(\d{11})</Id>")
MASK = b"<Id>###########</Id>"


def masked_sha256(text: bytes) -> str:
    return hashlib.sha256(NUMBER.sub(MASK, text)).hexdigest()


def _synthetic(number: str) -> str:
    from pathways.identity import make_synthetic_identity_number

    day, month, year = int(number[:2]), int(number[2:4]), int(number[4:6])
    birth = datetime.date(1900 + year, month, day)
    serial = 1
    while not (found := make_synthetic_identity_number(birth, serial)):
        serial += 1
    return found


def vendor(repo: Path) -> dict:
    record = {"repository": archive.REPOSITORY, "commit": archive.commit(repo), "files": {}}
    replaced = {}
    TARGET.mkdir(exist_ok=True)
    for path in sorted(p for p in archive.files(repo, SOURCE) if p.endswith(".xml")):
        original = archive.published(repo, path)
        text = original
        for number in sorted({m.decode() for m in NUMBER.findall(original)}):
            if number[2] in "0123" or number[2:4] > "12":  # a fødselsnummer, not synthetic
                synthetic = replaced.setdefault(number, _synthetic(number))
                text = text.replace(f"<Id>{number}</Id>".encode(),
                                    f"<Id>{synthetic}</Id>".encode())
        name = PurePosixPath(path).name
        (TARGET / name).write_bytes(text)
        record["files"][name] = {"source": path, "masked_sha256": masked_sha256(original)}
    record["numbers_replaced"] = len(replaced)
    (HERE / "examples.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")
    return record


if __name__ == "__main__":
    done = vendor(Path(sys.argv[1]))
    print(f"{len(done['files'])} examples from {done['commit']}, numbers replaced: "
          f"{done['numbers_replaced']}")
