"""An independent verifier of fieldproof's evidence packs, ledgers and checkpoints.

Written from docs/evidence.md ("Signed messages, byte by byte") alone, with the standard
library and the `cryptography` package's Ed25519: it shares no code with fieldproof, so an
auditor can check a pack with tools they trust, and the test suite proves the documentation is
enough to do so.

    python3 independent_verify.py pack PACK.zip [--fingerprint HEX]
    python3 independent_verify.py checkpoint LEDGER_HEAD_FILE LEDGER.json

`LEDGER.json` is the output of `fieldproof evidence log --format json`. Exit 0 when everything
verifies, 1 when something does not (each problem printed), 2 on bad usage.
"""

import hashlib
import json
import sys
import zipfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def public_key(hex_key: str) -> Ed25519PublicKey:
    raw = bytes.fromhex(hex_key)
    if len(raw) != 32:
        raise ValueError("a public key has 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def fingerprint(hex_key: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_key)).digest()[:16].hex()


def signed(hex_key: str, message: bytes, hex_signature: str) -> bool:
    try:
        signature = bytes.fromhex(hex_signature)
        if len(signature) != 64:
            return False
        public_key(hex_key).verify(signature, message)
        return True
    except (ValueError, InvalidSignature):
        return False


def verify_chain(entries, problems):
    """The ledger from genesis: positions, links, digests, hashes, signatures, rotations.
    Returns the key in force at the head."""
    previous = "0" * 64
    key = None
    for index, entry in enumerate(entries):
        seq = entry.get("seq")
        where = f"ledger entry {seq}"
        if seq != index + 1:
            problems.append(f"{where}: numbered {seq} at position {index + 1}")
        if entry.get("prev") != previous:
            problems.append(f"{where}: its prev is not the hash of the entry before it")
        body = entry.get("body")
        fmt = entry.get("format", 1)
        if fmt == 2:
            digest = entry.get("body_sha256", "")
            if body is not None and sha256_hex(canonical(body)) != digest:
                problems.append(f"{where}: its body does not match body_sha256")
            framed = {"body_sha256": digest, "format": 2, "prev": entry.get("prev"), "seq": seq}
        elif fmt == 1:
            if body is None:
                problems.append(f"{where}: a format 1 entry without its body cannot be checked")
                framed = None
            else:
                framed = {"body": body, "prev": entry.get("prev"), "seq": seq}
        else:
            problems.append(f"{where}: unknown format {fmt}")
            framed = None
        if framed is not None and sha256_hex(canonical(framed)) != entry.get("hash"):
            problems.append(f"{where}: its hash does not match its content")
        if index == 0:
            if not isinstance(body, dict) or body.get("action") != "genesis":
                problems.append(f"{where}: the first entry is not the genesis entry")
            else:
                key = body.get("public_key")
        if key is None or not signed(key, entry.get("hash", "").encode("ascii"), entry.get("signature", "")):
            problems.append(f"{where}: its signature does not verify with the key in force")
        if isinstance(body, dict) and body.get("action") == "rotate_key":
            next_key = body.get("public_key", "")
            message = f"fieldproof-key-rotation/1\n{seq}\n{entry.get('prev')}\n{next_key}".encode("utf-8")
            if signed(next_key, message, body.get("proof", "")):
                key = next_key
            else:
                problems.append(f"{where}: the key rotation's proof does not verify with the next key")
        previous = entry.get("hash")
    return key


def bad_name(name: str) -> bool:
    return (
        name.startswith("/")
        or "\\" in name
        or (len(name) > 1 and name[1] == ":")
        or ".." in name.split("/")
    )


def verify_pack(path: str, pinned: str, problems) -> None:
    with zipfile.ZipFile(path) as pack:
        names = [info.filename for info in pack.infolist()]
        manifest_bytes = pack.read("manifest.json")
        manifest = json.loads(manifest_bytes)
        signature = json.loads(pack.read("manifest.sig"))
        listed = {f["path"]: f for f in manifest["files"]}
        allowed = set(listed) | {"manifest.json", "manifest.sig", "SHA256SUMS"}
        for name in names:
            if name not in allowed or bad_name(name):
                problems.append(f"{name}: not a file the signed manifest lists")
        if len(names) != len(set(names)):
            problems.append("the zip holds a name twice")
        # (2) the manifest's signature.
        message = f"fieldproof-evidence-pack/2\n{sha256_hex(manifest_bytes)}".encode("utf-8")
        if (
            signature.get("format") != "fieldproof-pack-signature/1"
            or signature.get("public_key") != manifest["public_key"]
            or not signed(manifest["public_key"], message, signature.get("signature", ""))
        ):
            problems.append("manifest.sig does not verify manifest.json")
        # (3) every listed file.
        for name, entry in listed.items():
            if name not in names:
                problems.append(f"{name}: listed but missing")
                continue
            data = pack.read(name)
            if sha256_hex(data) != entry["sha256"] or len(data) != entry["size"]:
                problems.append(f"{name}: its content is not what the manifest records")
        # (4) the key.
        if pack.read("public_key.txt").decode("utf-8").strip() != manifest["public_key"]:
            problems.append("public_key.txt is not the manifest's key")
        if fingerprint(manifest["public_key"]) != manifest["key_fingerprint"]:
            problems.append("the manifest's key_fingerprint is not its key's")
        if pinned and fingerprint(manifest["public_key"]) != pinned.lower():
            problems.append(f"the pack is signed by {fingerprint(manifest['public_key'])}, not the pinned {pinned}")
        # (5) the ledger.
        entries = [json.loads(line) for line in pack.read("ledger.jsonl").decode("utf-8").splitlines() if line]
        head_key = verify_chain(entries, problems)
        head = manifest["ledger"]["head"]
        if not entries or entries[-1]["seq"] != head["seq"] or entries[-1]["hash"] != head["hash"]:
            problems.append("the ledger's last entry is not the manifest's head")
        if len(entries) != manifest["ledger"]["entries"]:
            problems.append("the ledger does not have the number of entries the manifest records")
        if head_key != manifest["public_key"]:
            problems.append("the manifest is not signed by the key in force at the head")
        # (6) every evidence item against its entry and its file.
        by_seq = {e["seq"]: e for e in entries}
        for item in manifest["evidence"]:
            body = by_seq.get(item["ledger_entry"], {}).get("body") or {}
            if body.get("action") != "add" or body.get("evidence") != item["evidence"] or body.get("sha256") != item["sha256"]:
                problems.append(f"{item['evidence']}: does not match ledger entry {item['ledger_entry']}")
            if listed.get(item["path"], {}).get("sha256") != item["sha256"]:
                problems.append(f"{item['evidence']}: its file {item['path']} is not its content")
        print(f"{path}: {len(entries)} ledger entries, {sum(1 for e in entries if 'body' not in e)} without their body, "
              f"{len(manifest['evidence'])} evidence items, {len(listed)} files; key {manifest['key_fingerprint']}")


def verify_checkpoint(path: str, ledger_path: str, problems) -> None:
    with open(path, encoding="utf-8") as handle:
        checkpoint = json.load(handle)
    with open(ledger_path, encoding="utf-8") as handle:
        entries = json.load(handle)["entries"]
    verify_chain(entries, problems)
    keys = set()
    for e in entries:
        body = e.get("body")
        if isinstance(body, dict) and body.get("action") in ("genesis", "rotate_key"):
            keys.add(body.get("public_key"))
    message = f"fieldproof-ledger-checkpoint/1\n{checkpoint['seq']}\n{checkpoint['hash']}".encode("utf-8")
    if checkpoint.get("format") != "fieldproof-ledger-checkpoint/1" or not signed(
        checkpoint["public_key"], message, checkpoint["signature"]
    ):
        problems.append("the checkpoint's signature does not verify")
    if checkpoint["public_key"] not in keys:
        problems.append("the checkpoint is signed by a key that is not the ledger's")
    at = next((e for e in entries if e["seq"] == checkpoint["seq"]), None)
    if at is None or at["hash"] != checkpoint["hash"]:
        problems.append("the ledger does not hold the checkpoint's head")
    elif entries[-1]["seq"] < checkpoint["seq"]:
        problems.append("the ledger ends before its checkpoint")
    print(f"{path}: checkpoint at entry {checkpoint['seq']} of {len(entries)}")


def main(argv) -> int:
    if len(argv) >= 2 and argv[0] == "pack":
        pinned = argv[argv.index("--fingerprint") + 1] if "--fingerprint" in argv else ""
        problems = []
        verify_pack(argv[1], pinned, problems)
    elif len(argv) == 3 and argv[0] == "checkpoint":
        problems = []
        verify_checkpoint(argv[1], argv[2], problems)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for problem in problems:
        print(f"PROBLEM {problem}")
    print("VERIFIED" if not problems else "NOT VERIFIED")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
