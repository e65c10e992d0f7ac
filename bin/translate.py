"""Fill a .po file's empty zh_Hans translations from a JSON dict {msgid: msgstr} and report the rest.

Usage: .venv/bin/python bin/translate.py path/to/django.po translations.json
Compile afterwards with `django-admin compilemessages` (GNU gettext) in the same directory.
"""

import json
import sys

import polib

po = polib.pofile(sys.argv[1])
table = json.load(open(sys.argv[2], encoding="utf-8"))
missing = []
for entry in po:
    if entry.msgid in table:
        entry.msgstr = table[entry.msgid]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    elif not entry.msgstr:
        missing.append(entry.msgid)
po.save()
po.save_as_mofile(sys.argv[1][:-3] + ".mo")
for msgid in missing:
    print("untranslated:", msgid)
