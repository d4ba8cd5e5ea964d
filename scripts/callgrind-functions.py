"""Prints, one per line, the functions of one object that callgrind profiles saw run: those of the
first profile, then those the next ones add, each group sorted by name (mangled names sort by
module, and a rerun changes the list only where the code changed).
Leaves out names defined more than once in the object (local symbols of several object files:
ordering by such a name would pull every copy to the front).
Usage: callgrind-functions.py OBJECT REPEATED_NAMES_FILE PROFILE..."""
import re
import sys

wanted, repeated_path, *profiles = sys.argv[1:]
printed = set(open(repeated_path).read().split())
compressed = re.compile(r"\((\d+)\)(?: (.*))?")

for profile in profiles:
    names = {"ob": {}, "fn": {}}
    added = []

    def expand(kind, text):
        """callgrind writes a name once as "(id) name", then as "(id)"."""
        match = compressed.match(text)
        if not match:
            return text
        if match.group(2):
            names[kind][match.group(1)] = match.group(2)
        return names[kind][match.group(1)]

    current_object = None
    for line in open(profile):
        key, _, value = line.partition("=")
        if key in ("ob", "cob"):
            name = expand("ob", value.strip())
            if key == "ob":
                current_object = name
        elif key in ("fn", "cfn"):
            name = expand("fn", value.strip())
            if key == "fn" and current_object == wanted and name not in printed:
                printed.add(name)
                added.append(name)
    if added:
        print("\n".join(sorted(added)))
